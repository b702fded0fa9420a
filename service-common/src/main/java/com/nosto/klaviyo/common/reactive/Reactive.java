package com.nosto.klaviyo.common.reactive;

import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import java.util.function.Supplier;

/**
 * The one bridge from a worker thread (a blocking scheduled job, a test) into reactive code (Hibernate Reactive,
 * the Vert.x clients): runs the work on a Vert.x context and waits for it.
 */
public final class Reactive {

    private Reactive() {
    }

    public static <T> T await(Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
