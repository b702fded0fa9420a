package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TcpProxyTest {

    @Test
    void bytesPassThroughACutResetsOpenConnectionsAndRefusesNewOnesUntilRestored() throws Exception {
        try (ServerSocket echo = echoServer(); TcpProxy proxy = TcpProxy.start("127.0.0.1", echo.getLocalPort())) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThat(roundTrip(s, "hello")).isEqualTo("hello");
                proxy.cut();
                assertThatThrownBy(() -> {
                    roundTrip(s, "again");
                    roundTrip(s, "again");
                }).isInstanceOf(IOException.class);
            }
            try (Socket refused = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThatThrownBy(() -> {
                    roundTrip(refused, "x");
                    roundTrip(refused, "x");
                }).isInstanceOf(IOException.class);
            }
            proxy.restore();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThat(roundTrip(s, "back")).isEqualTo("back");
            }
        }
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.setSoTimeout(5_000);
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[text.length()];
        int read = 0;
        while (read < buf.length) {
            int n = in.read(buf, read, buf.length - read);
            if (n < 0) {
                throw new IOException("closed");
            }
            read += n;
        }
        return new String(buf, StandardCharsets.UTF_8);
    }

    private static ServerSocket echoServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket c = server.accept();
                    Thread h = new Thread(() -> {
                        try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // client gone
                        }
                    });
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }
}
