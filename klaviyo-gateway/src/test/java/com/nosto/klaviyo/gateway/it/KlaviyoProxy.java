package com.nosto.klaviyo.gateway.it;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A pass-through HTTP proxy in front of the emulator, so a test can answer a chosen request itself. Used for
 * answers the emulator cannot produce for the gateway's requests: profile-import with only an email never
 * clashes there, so a 409 duplicate_profile (observed in Klaviyo when identifiers point at two profiles) is
 * canned here. Everything else reaches the emulator unchanged (its call log and faults still apply).
 */
public final class KlaviyoProxy {

    /** A canned answer for a request the test wants to intercept. */
    public record Canned(int status, String body) {
    }

    @FunctionalInterface
    public interface Interceptor {
        Optional<Canned> intercept(String method, String path, String body);
    }

    private static final List<Interceptor> INTERCEPTORS = new CopyOnWriteArrayList<>();
    private static KlaviyoProxy instance;

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = vertx.createHttpClient();
    private final URI target;
    private final int port;

    private KlaviyoProxy(String targetBaseUrl) throws Exception {
        this.target = URI.create(targetBaseUrl);
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        this.port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    static synchronized KlaviyoProxy start(String targetBaseUrl) throws Exception {
        if (instance == null) {
            instance = new KlaviyoProxy(targetBaseUrl);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> instance.vertx.close()));
        }
        return instance;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Adds an interceptor; remove it with {@link #clear()} after the test. */
    public static void intercept(Interceptor interceptor) {
        INTERCEPTORS.add(interceptor);
    }

    public static void clear() {
        INTERCEPTORS.clear();
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            String text = body.toString();
            for (Interceptor i : INTERCEPTORS) {
                Optional<Canned> canned = i.intercept(req.method().name(), req.path(), text);
                if (canned.isPresent()) {
                    req.response().setStatusCode(canned.get().status()).putHeader("Content-Type", "application/vnd.api+json")
                            .end(canned.get().body());
                    return;
                }
            }
            forward(req, body);
        });
    }

    private void forward(HttpServerRequest req, Buffer body) {
        RequestOptions options = new RequestOptions().setMethod(req.method()).setHost(target.getHost())
                .setPort(target.getPort()).setURI(req.uri());
        client.request(options).compose(out -> {
            req.headers().forEach((k, v) -> {
                if (!"host".equalsIgnoreCase(k) && !"content-length".equalsIgnoreCase(k)) {
                    out.putHeader(k, v);
                }
            });
            return out.send(body);
        }).onSuccess(resp -> resp.body().onSuccess(respBody -> {
            MultiMap headers = req.response().headers();
            for (Map.Entry<String, String> h : resp.headers()) {
                if (!"transfer-encoding".equalsIgnoreCase(h.getKey()) && !"content-length".equalsIgnoreCase(h.getKey())) {
                    headers.add(h.getKey(), h.getValue());
                }
            }
            req.response().setStatusCode(resp.statusCode()).end(respBody);
        }).onFailure(e -> req.connection().close())).onFailure(e -> req.connection().close());
    }
}
