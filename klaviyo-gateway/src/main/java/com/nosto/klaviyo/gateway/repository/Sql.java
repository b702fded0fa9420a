package com.nosto.klaviyo.gateway.repository;

import io.vertx.mutiny.sqlclient.Tuple;

final class Sql {
    private Sql() {
    }

    /** A tuple that, unlike List.of, accepts nulls. */
    static Tuple tuple(Object... values) {
        Tuple t = Tuple.tuple();
        for (Object v : values) {
            t.addValue(v);
        }
        return t;
    }
}
