package com.nosto.klaviyo.emulator;

import io.netty.channel.ChannelOption;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/** Drops a connection the way a flaky network does: an RST when Netty allows it, otherwise a bare close. */
final class Connections {

    private Connections() {
    }

    static void reset(RoutingContext ctx) {
        HttpConnection connection = ctx.request().connection();
        try {
            if (connection instanceof ConnectionBase base) {
                base.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            }
        } catch (RuntimeException ignored) {
            // a plain close still makes the client see a dropped connection
        }
        connection.close();
    }
}
