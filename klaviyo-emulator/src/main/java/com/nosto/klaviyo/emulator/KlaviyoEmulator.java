package com.nosto.klaviyo.emulator;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A stateful Klaviyo (revision 2026-07-15) on a local port: Klaviyo's paths, headers, JSON:API bodies, errors and
 * rate limits, an isolated account per private API key, plus an admin API under {@code /__emulator/} for tests and
 * drills. Plain Vert.x, so it embeds in any JVM; {@link #close()} stops it.
 */
public final class KlaviyoEmulator implements AutoCloseable {

    private final EmulatorConfig config;
    private final Vertx vertx;
    private final HttpServer server;
    private final Map<String, EmulatedAccount> accounts = new ConcurrentHashMap<>();
    private final Faults faults = new Faults();
    private final CallLog callLog;
    private final RateLimits rateLimits;
    private final RateLimiter rateLimiter;
    private final String baseUrl;

    private KlaviyoEmulator(EmulatorConfig config) {
        this.config = config;
        this.callLog = new CallLog(config.callLogCapacity());
        this.rateLimits = RateLimits.load(config.specPath());
        this.rateLimiter = new RateLimiter(config.clock());
        config.apiKeys().forEach(this::account);
        this.vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        // Read a little more than Klaviyo's 5 MB so an oversized bulk job gets Klaviyo's 413, not a dropped body.
        router.route().handler(BodyHandler.create(false).setBodyLimit(KlaviyoApi.MAX_BULK_BYTES + 1024 * 1024L));
        new AdminApi(this).mount(router);
        router.route("/api/*").handler(new KlaviyoApi(this, vertx));
        router.route().handler(ctx -> ctx.response().setStatusCode(404).putHeader("Content-Type", JsonApi.JSON_API)
                .end(Json.write(ApiError.notFound("Not found.").body())));
        try {
            this.server = vertx.createHttpServer().requestHandler(router).listen(config.port(), config.host())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("Klaviyo emulator could not listen on " + config.host() + ":" + config.port(), e);
        }
        String host = "0.0.0.0".equals(config.host()) ? "127.0.0.1" : config.host();
        this.baseUrl = "http://" + host + ":" + server.actualPort();
    }

    public static KlaviyoEmulator start(EmulatorConfig config) {
        return new KlaviyoEmulator(config);
    }

    public static KlaviyoEmulator start() {
        return start(EmulatorConfig.defaults());
    }

    /** "http://127.0.0.1:PORT": what the gateway's {@code klaviyo.base-url} should be. */
    public String baseUrl() {
        return baseUrl;
    }

    public int port() {
        return server.actualPort();
    }

    public EmulatorConfig config() {
        return config;
    }

    /** The account for this private key, registering the key if it is new. */
    public EmulatedAccount account(String apiKey) {
        return accounts.computeIfAbsent(apiKey, k -> new EmulatedAccount(k, config.clock()));
    }

    /**
     * Registers {@code newKey} as a further private key of the account {@code existingKey} reaches (a merchant creating
     * a second key): both reach the same data and answer the same account id, and share the account's rate limits (as Klaviyo's keys do).
     */
    public EmulatedAccount addKey(String existingKey, String newKey) {
        EmulatedAccount account = accounts.get(existingKey);
        if (account == null) {
            throw new IllegalArgumentException("No account for the existing key");
        }
        if (accounts.putIfAbsent(newKey, account) != null && accounts.get(newKey) != account) {
            throw new IllegalArgumentException("The new key belongs to another account already");
        }
        return account;
    }

    /** The account for this key if it is registered. */
    public Optional<EmulatedAccount> findAccount(String apiKey) {
        return Optional.ofNullable(accounts.get(apiKey));
    }

    EmulatedAccount existingAccount(String apiKey) {
        return accounts.get(apiKey);
    }

    /** Every account once, also one reached by several keys. */
    public List<EmulatedAccount> accounts() {
        return accounts.values().stream().distinct().toList();
    }

    /** The key stops working (401) and its account's data is gone, as when a merchant deletes a key. */
    public void revokeKey(String apiKey) {
        accounts.remove(apiKey);
    }

    public Faults faults() {
        return faults;
    }

    public CallLog calls() {
        return callLog;
    }

    CallLog callLog() {
        return callLog;
    }

    public RateLimits rateLimits() {
        return rateLimits;
    }

    RateLimiter rateLimiter() {
        return rateLimiter;
    }

    Instant now() {
        return config.clock().instant();
    }

    /** Forgets all data, faults, calls and rate-limit windows; registered keys stay registered (with empty accounts). */
    public void reset() {
        accounts.values().forEach(EmulatedAccount::clear);
        faults.clear();
        callLog.clear();
        rateLimiter.reset();
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
