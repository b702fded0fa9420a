package com.nosto.klaviyo.e2e.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.SyncApi;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * The local run's demo: a coffee shop whose shoppers fall into segments, synced to (emulated) Klaviyo.
 * It uses only the public APIs, prints what a merchant would check, and waits visibly for each window.
 *
 * <pre>java … DemoStore --segment-service URL --sync-worker URL --gateway URL --emulator URL --klaviyo-key KEY
 *        [--account coffee-shop] [--shoppers 3000] [--timeout-seconds 300]</pre>
 */
public final class DemoStore {

    private static final String WHOLE_BEAN = "Category affinity: Whole_Bean";
    private static final String PRODUCT_WHOLE_BEAN = "Product affinity: Whole_Bean";
    private static final String VIP = "VIP";
    private static final String LIST = "Nosto Customers";

    private final SyncApi api;
    private final String emulator;
    private final String key;
    private final String account;
    private final int shoppers;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Random random = new Random(42);
    private Instant clock = Instant.now();

    private DemoStore(Map<String, String> args) {
        api = new SyncApi(args.get("segment-service"), args.get("sync-worker"), args.get("gateway"));
        emulator = args.get("emulator");
        key = args.get("klaviyo-key");
        account = args.getOrDefault("account", "coffee-shop");
        shoppers = Integer.parseInt(args.getOrDefault("shoppers", "3000"));
        timeout = Duration.ofSeconds(Long.parseLong(args.getOrDefault("timeout-seconds", "300")));
    }

    public static void main(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        new DemoStore(args).play();
    }

    private void play() {
        step("Connecting account '" + account + "' to Klaviyo (key …" + key.substring(Math.max(0, key.length() - 4)) + ")");
        JsonNode connection = api.connectKlaviyo(account, key).expect(200, 201).body();
        say("connected: " + connection);

        step("Defining segments");
        api.putSegment(account, "whole-bean", WHOLE_BEAN).expect(200, 201);
        api.putSegment(account, "product-whole-bean", PRODUCT_WHOLE_BEAN).expect(200, 201);
        api.putSegment(account, "vip", VIP).expect(200, 201);
        api.putSegment(account, "decaf", "Category affinity: Decaf").expect(200, 201);
        say("4 segments: " + WHOLE_BEAN + ", " + PRODUCT_WHOLE_BEAN + ", " + VIP + ", Category affinity: Decaf");

        step("Publishing the segment membership of " + shoppers + " shoppers");
        List<SegmentEvent> events = new ArrayList<>();
        String[] ids = {"whole-bean", "product-whole-bean", "vip", "decaf"};
        for (int i = 0; i < shoppers; i++) {
            List<String> segments = new ArrayList<>();
            for (String id : ids) {
                if (random.nextInt(3) == 0) {
                    segments.add(id);
                }
            }
            events.add(SegmentEvent.fullSet(account, "Shopper" + i + "@Coffee-Shop.example.com ", segments, tick()));
        }
        publish(events);

        step("Switching sync on for '" + WHOLE_BEAN + "' and '" + VIP + "' (first enable: the short window)");
        api.setSync(account, "whole-bean", true).expect(200, 202, 204);
        api.setSync(account, "vip", true).expect(200, 202, 204);
        waitFor("first-enable release to reach Klaviyo", () -> members() > 0 && idle());
        report();

        step("Shoppers move, leave and one is deleted from Nosto (the regular window)");
        List<SegmentEvent> changes = new ArrayList<>();
        changes.add(SegmentEvent.delta(account, "shopper1@coffee-shop.example.com", List.of("product-whole-bean", "vip"), List.of(), tick()));
        changes.add(SegmentEvent.fullSet(account, "shopper2@coffee-shop.example.com", List.of(), tick()));
        changes.add(SegmentEvent.delta(account, "shopper3@coffee-shop.example.com", List.of("vip"), List.of("whole-bean"), tick()));
        changes.add(SegmentEvent.deletion(account, "shopper4@coffee-shop.example.com", tick()));
        for (int i = shoppers; i < shoppers + 25; i++) {
            changes.add(SegmentEvent.fullSet(account, "shopper" + i + "@coffee-shop.example.com", List.of("whole-bean"), tick()));
        }
        publish(changes);
        int before = members();
        waitFor("the regular window", () -> members() != before && idle());
        report();
        step("Done. Emulator UI: " + emulator + "/__emulator/ui");
    }

    private void publish(List<SegmentEvent> events) {
        for (int i = 0; i < events.size(); i += 500) {
            api.publish(account, events.subList(i, Math.min(events.size(), i + 500))).expect(200, 202);
        }
        say(events.size() + " events accepted");
    }

    private void report() {
        JsonNode state = emulatorState();
        for (JsonNode list : state.path("lists")) {
            say("Klaviyo list \"" + list.path("name").asText() + "\" (" + list.path("id").asText() + "): "
                    + list.path("memberEmails").size() + " members");
        }
        int shown = 0;
        for (JsonNode p : state.path("profiles")) {
            if (shown < 4 && p.path("properties").has("nosto_segment")) {
                say(String.format("  %-28s nosto_segment=%-32s nosto_segments=%s consent=%s", p.path("email").asText(),
                        p.path("properties").path("nosto_segment"), p.path("properties").path("nosto_segments"),
                        p.path("emailConsent").isMissingNode() || p.path("emailConsent").isNull() ? "(empty)" : p.path("emailConsent")));
                shown++;
            }
        }
        say("consent changes received by Klaviyo: " + state.path("consentLog").size() + " (the integration never sends any)");
        JsonNode runs = api.syncRuns(account).expect(200).body();
        say("sync history: " + runs);
    }

    private int members() {
        for (JsonNode list : emulatorState().path("lists")) {
            if (LIST.equals(list.path("name").asText())) {
                return list.path("memberEmails").size();
            }
        }
        return 0;
    }

    private boolean idle() {
        JsonNode windows = api.windows(account).body();
        return windows != null && !windows.toString().matches(".*\"pending[A-Za-z]*\"\\s*:\\s*[1-9].*");
    }

    private JsonNode emulatorState() {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(emulator + "/__emulator/accounts/" + key + "/state")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return EventJson.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("emulator unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void waitFor(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long started = System.nanoTime();
        System.out.print("  waiting for " + what + " ");
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                System.out.println();
                throw new IllegalStateException("gave up waiting for " + what + " after " + timeout);
            }
            System.out.print(".");
            System.out.flush();
            sleepSecond();
        }
        System.out.printf(" done in %ds%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    private Instant tick() {
        clock = clock.plusMillis(1);
        return clock;
    }

    private static void sleepSecond() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void step(String text) {
        System.out.println();
        System.out.println("== " + text);
    }

    private static void say(String text) {
        System.out.println("  " + text);
    }
}
