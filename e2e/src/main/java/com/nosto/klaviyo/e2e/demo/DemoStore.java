package com.nosto.klaviyo.e2e.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.KlaviyoModel;
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
    /** What Klaviyo should show, from what the demo sent: the demo waits for it, not for a guess. */
    private final KlaviyoModel model = new KlaviyoModel();

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
        model.segment("whole-bean", WHOLE_BEAN).segment("product-whole-bean", PRODUCT_WHOLE_BEAN).segment("vip", VIP)
                .segment("decaf", "Category affinity: Decaf");
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
        model.sync("whole-bean", true).sync("vip", true);
        int expected = expectedMembers();
        // The list fills before the gateway records the window (its bulk jobs are still polled): wait for the record too,
        // so the history printed below lists the window.
        waitFor("the first-enable release to reach Klaviyo (" + expected + " members expected)",
                () -> members() == expected && syncRuns() >= 1);
        report(List.of("shopper1@coffee-shop.example.com", "shopper2@coffee-shop.example.com", "shopper3@coffee-shop.example.com",
                "shopper4@coffee-shop.example.com"));

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
        int expectedAfter = expectedMembers();
        waitFor("the regular window (" + expectedAfter + " members expected)",
                () -> members() == expectedAfter && settled() && syncRuns() >= 2);
        report(List.of("shopper1@coffee-shop.example.com", "shopper2@coffee-shop.example.com", "shopper3@coffee-shop.example.com",
                "shopper4@coffee-shop.example.com"));
        step("Done. Emulator UI: " + emulator + "/__emulator/ui");
    }

    private void publish(List<SegmentEvent> events) {
        events.forEach(model::apply);
        for (int i = 0; i < events.size(); i += 500) {
            api.publish(account, events.subList(i, Math.min(events.size(), i + 500))).expect(200, 202);
        }
        say(events.size() + " events accepted");
    }

    private void report(List<String> samples) {
        JsonNode state = emulatorState();
        for (JsonNode list : state.path("lists")) {
            say("Klaviyo list \"" + list.path("name").asText() + "\" (" + list.path("id").asText() + "): "
                    + list.path("memberEmails").size() + " members (" + expectedMembers() + " expected)");
        }
        Map<String, JsonNode> profiles = new HashMap<>();
        state.path("profiles").forEach(p -> profiles.put(p.path("email").asText(), p));
        say(String.format("%-38s %-8s %-32s %-60s %s", "profile", "listed", "nosto_segment", "nosto_segments", "email consent"));
        for (String email : samples) {
            JsonNode p = profiles.get(email);
            if (p == null) {
                say(String.format("%-38s %s", email, "(no Klaviyo profile)"));
                continue;
            }
            boolean listed = false;
            for (JsonNode list : state.path("lists")) {
                for (JsonNode m : list.path("memberEmails")) {
                    listed |= m.asText().equals(email);
                }
            }
            JsonNode props = p.path("properties");
            say(String.format("%-38s %-8s %-32s %-60s %s", email, listed ? "yes" : "no",
                    props.has("nosto_segment") ? props.path("nosto_segment").asText() : "(unset)",
                    props.has("nosto_segments") ? props.path("nosto_segments").toString() : "(unset)",
                    p.path("emailConsent").asText("(empty)")));
        }
        say("consent changes received by Klaviyo: " + state.path("consentLog").size() + " (the integration never sends any)");
        say("sync history (klaviyo-gateway GET /api/accounts/" + account + "/sync-runs):");
        say(String.format("  %-13s %-28s %6s %6s %8s %8s %8s %7s", "window", "ended", "added", "moved", "removed", "deleted", "skipped", "failed"));
        for (JsonNode run : api.syncRuns(account).expect(200).body()) {
            say(String.format("  %-13s %-28s %6d %6d %8d %8d %8d %7d", run.path("windowKind").asText(), run.path("windowEnd").asText(),
                    run.path("added").asInt(), run.path("moved").asInt(), run.path("removed").asInt(), run.path("deleted").asInt(),
                    run.path("skipped").asInt(), run.path("failed").asInt()));
        }
    }

    private int expectedMembers() {
        return (int) model.emails().stream().filter(e -> model.expected(e).inList()).count();
    }

    /** Nothing pending in the worker, and the Klaviyo state equal to the model for every contact. */
    private boolean settled() {
        return idle() && model.differences(klaviyoState()).isEmpty();
    }

    private Map<String, KlaviyoModel.Expected> klaviyoState() {
        JsonNode state = emulatorState();
        java.util.Set<String> members = new java.util.HashSet<>();
        for (JsonNode list : state.path("lists")) {
            if (LIST.equals(list.path("name").asText())) {
                list.path("memberEmails").forEach(m -> members.add(m.asText()));
            }
        }
        Map<String, KlaviyoModel.Expected> out = new HashMap<>();
        for (JsonNode p : state.path("profiles")) {
            JsonNode props = p.path("properties");
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            props.path("nosto_segments").forEach(n -> names.add(n.asText()));
            String email = p.path("email").asText();
            out.put(email, new KlaviyoModel.Expected(members.contains(email),
                    props.has("nosto_segment") ? props.path("nosto_segment").asText() : null, names));
        }
        return out;
    }

    private int members() {
        for (JsonNode list : emulatorState().path("lists")) {
            if (LIST.equals(list.path("name").asText())) {
                return list.path("memberEmails").size();
            }
        }
        return 0;
    }

    /** Windows the gateway has recorded for the account (its sync history). */
    private int syncRuns() {
        JsonNode runs = api.syncRuns(account).body();
        return runs != null && runs.isArray() ? runs.size() : 0;
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
