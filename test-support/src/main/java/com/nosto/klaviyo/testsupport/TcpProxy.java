package com.nosto.klaviyo.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A TCP proxy between services and a server (PostgreSQL, in the outage tests) that a test can cut and restore, as
 * a managed database failing over is for its clients: {@link #cut()} resets every open connection and refuses new
 * ones until {@link #restore()}. Thread per connection direction; for tests only.
 */
public final class TcpProxy implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TcpProxy.class);

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile boolean cut;
    private volatile boolean closed;

    private TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::accept, "tcp-proxy-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy on a free loopback port forwarding to {@code host:port}. */
    public static TcpProxy start(String host, int port) {
        try {
            return new TcpProxy(host, port);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot open a proxy port", e);
        }
    }

    public String host() {
        return listener.getInetAddress().getHostAddress();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far (including refused ones while cut). */
    public long accepted() {
        return accepted.get();
    }

    /** Resets every open connection and refuses new ones until {@link #restore()}. */
    public void cut() {
        cut = true;
        for (Socket s : open) {
            reset(s);
        }
        LOG.infof("Proxy %d -> %s:%d cut", port(), targetHost, targetPort);
    }

    /** Accepts and forwards connections again. */
    public void restore() {
        cut = false;
        LOG.infof("Proxy %d -> %s:%d restored", port(), targetHost, targetPort);
    }

    public boolean isCut() {
        return cut;
    }

    @Override
    public void close() {
        closed = true;
        cut();
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Proxy accept failed", e);
                }
                return;
            }
            accepted.incrementAndGet();
            if (cut) {
                reset(client);
                continue;
            }
            Socket server;
            try {
                server = new Socket(targetHost, targetPort);
            } catch (IOException e) {
                reset(client);
                continue;
            }
            open.add(client);
            open.add(server);
            pipe(client, server);
            pipe(server, client);
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed or was reset: close the other below
            } finally {
                reset(from);
                reset(to);
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    /** Closes with RST (linger 0), as a vanished server does, so clients see a reset instead of a clean end. */
    private void reset(Socket s) {
        open.remove(s);
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
