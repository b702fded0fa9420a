package com.nosto.klaviyo.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Free local ports and reachability checks. */
public final class Ports {

    private Ports() {
    }

    /**
     * Ports this JVM has handed out: never handed out twice, so services started side by side (figure 10 starts three
     * second instances at once) cannot be given the same port by two calls racing between a probe's close and a bind.
     * (A port free when probed can still be taken by another process before the service binds it.)
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    public static int free() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = probe();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port not handed out before");
    }

    private static int probe() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free port", e);
        }
    }

    /**
     * {@code count} distinct free ports, none handed out before: every socket stays bound until all are chosen, so two
     * calls in a row cannot hand out the same port (the OS may reuse a port released a moment ago; a broker's client and controller
     * listeners on one port refuse to start).
     */
    public static int[] free(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                do {
                    if (sockets[i] != null) {
                        sockets[i].close(); // handed out before: bound by now, or about to be; the OS offers another
                    }
                    sockets[i] = new ServerSocket(0);
                    sockets[i].setReuseAddress(true);
                    ports[i] = sockets[i].getLocalPort();
                } while (!HANDED_OUT.add(ports[i]));
            }
            return ports;
        } catch (IOException e) {
            throw new IllegalStateException("No free port", e);
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // closing a bound, unused socket: nothing to do
                    }
                }
            }
        }
    }

    public static boolean open(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
