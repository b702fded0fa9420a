package com.nosto.klaviyo.segment.config;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.Pool;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;

/**
 * The reactive pool with timeouts that fail fast while PostgreSQL is away (Quarkus has no settings for them): Vert.x
 * waits 60 s to open a connection and 30 s for a free one by default, which holds a REST request far longer than a
 * client waits, where it should get its 503 and {@code Retry-After} promptly. Everything else is Quarkus' own
 * configuration ({@code quarkus.datasource.reactive.*}).
 */
@Singleton
public class DatabasePool implements PgPoolCreator {

    private final SegmentServiceConfig config;

    public DatabasePool(SegmentServiceConfig config) {
        this.config = config;
    }

    @Override
    public Pool create(Input input) {
        int connect = (int) config.database().connectTimeout().toMillis();
        input.pgConnectOptionsList().forEach(options -> options.setConnectTimeout(connect));
        input.poolOptions().setConnectionTimeout((int) config.database().acquireTimeout().toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        return PgPool.pool(input.vertx(), input.pgConnectOptionsList(), input.poolOptions());
    }
}
