package com.nosto.klaviyo.e2e.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP relay in front of the Klaviyo emulator, one address per gateway instance, that records which instance made
 * each call, when it started and ended, and the {@code Retry-After} of every 429. The emulator's own call log cannot
 * tell gateway processes apart; this can. A call the emulator drops (a reset fault) is answered 502.
 */
public final class KlaviyoRecorder implements AutoCloseable {

    /**
     * One Klaviyo call as the relay saw it. Times are epoch milliseconds: {@code start} when the request arrived,
     * {@code end} when Klaviyo's answer was in hand (before the gateway got it).
     */
    public record Call(String instance, String apiKey, String method, String path, long start, long end, int status,
            long retryAfterSeconds) {

        private static final Pattern ID = Pattern.compile("^(/api/[^/]+/)[^/]+");

        /** Method and path with the resource id replaced: the unit Klaviyo's rate limits count. */
        public String operation() {
            return method + " " + ID.matcher(path).replaceFirst("$1{id}");
        }

        public boolean isWrite() {
            return !"GET".equals(method);
        }
    }

    private static final Pattern API_KEY = Pattern.compile("Klaviyo-API-Key\\s+(\\S+)");
    /** Headers the JDK client sets itself, and hop-by-hop ones. */
    private static final Set<String> NOT_RELAYED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive", "date");

    private final String target;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "klaviyo-recorder");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, HttpServer> servers = new ConcurrentHashMap<>();
    private final List<Call> calls = new ArrayList<>();

    public KlaviyoRecorder(String emulatorBaseUrl) {
        this.target = emulatorBaseUrl.replaceAll("/+$", "");
    }

    /** The base URL an instance should use as Klaviyo's; the same one each time it is asked for that instance. */
    public String endpoint(String instance) {
        HttpServer server = servers.computeIfAbsent(instance, name -> {
            try {
                HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
                s.createContext("/", exchange -> relay(name, exchange));
                s.setExecutor(executor);
                s.start();
                return s;
            } catch (IOException e) {
                throw new IllegalStateException("Cannot open a Klaviyo relay for " + name, e);
            }
        });
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every call so far, in the order answered. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    private void relay(String instance, HttpExchange exchange) throws IOException {
        long start = System.currentTimeMillis();
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                    .timeout(Duration.ofSeconds(60))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_RELAYED.contains(name.toLowerCase())) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            Matcher key = API_KEY.matcher(authorization == null ? "" : authorization);
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                record(new Call(instance, key.find() ? key.group(1) : null, exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(), start, System.currentTimeMillis(), 502, 0));
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            long retryAfter = response.headers().firstValue("Retry-After").map(v -> (long) Math.ceil(Double.parseDouble(v.trim())))
                    .orElse(0L);
            record(new Call(instance, key.find() ? key.group(1) : null, exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(), start, System.currentTimeMillis(), response.statusCode(), retryAfter));
            response.headers().map().forEach((name, values) -> {
                if (!NOT_RELAYED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] answer = response.body();
            exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                exchange.getResponseBody().write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private synchronized void record(Call call) {
        calls.add(call);
    }

    @Override
    public void close() {
        servers.values().forEach(s -> s.stop(0));
        executor.shutdownNow();
    }
}
