package com.nosto.klaviyo.gateway.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Supplier;

/**
 * Runs one unit of database work in its own Hibernate Reactive session (or transaction) on a fresh,
 * safe Vert.x duplicated context. Why: the gateway calls its repositories from Kafka handlers, REST
 * requests, a Vert.x periodic timer, fire-and-forget drains and continuations of Klaviyo calls (some
 * on worker threads after backoff delays), and batches of different accounts run concurrently. A
 * Panache session lives on the current duplicated context, so reusing the caller's context could share
 * one session between concurrent pipelines (or fail where there is none). One short session per
 * repository call is exactly what the plain pool gave: each call independent, a batch's commit atomic.
 */
@ApplicationScoped
public class Transactions {

    private final Vertx vertx;

    public Transactions(Vertx vertx) {
        this.vertx = vertx;
    }

    public <T> Uni<T> inTransaction(Supplier<Uni<T>> work) {
        return onOwnContext(() -> Panache.withTransaction(work));
    }

    public <T> Uni<T> inSession(Supplier<Uni<T>> work) {
        return onOwnContext(() -> Panache.withSession(work));
    }

    private <T> Uni<T> onOwnContext(Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(emitter -> {
            Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(ignored -> {
                Uni<T> uni;
                try {
                    uni = work.get();
                } catch (Throwable e) {
                    emitter.fail(e);
                    return;
                }
                uni.subscribe().with(emitter::complete, emitter::fail);
            });
        });
    }
}
