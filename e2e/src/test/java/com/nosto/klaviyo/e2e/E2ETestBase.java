package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.e2e.harness.KlaviyoModel;
import com.nosto.klaviyo.e2e.harness.SyncApi;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.events.SegmentEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh merchant account (own Klaviyo key) per test, and the model of what Klaviyo should show. */
abstract class E2ETestBase {

    protected SystemUnderTest system;
    protected SyncApi api;
    protected String account;
    protected String klaviyoKey;
    protected KlaviyoModel model;
    private final AtomicLong clock = new AtomicLong(Instant.parse("2026-11-29T08:00:00Z").toEpochMilli());

    @BeforeEach
    void newMerchant() {
        system = E2ESystem.get();
        api = system.api();
        String id = UUID.randomUUID().toString().substring(0, 8);
        account = "shop-" + id;
        klaviyoKey = "pk_e2e_" + id + "0000";
        system.klaviyo().account(klaviyoKey);
        model = new KlaviyoModel();
    }

    @AfterEach
    void consentNeverTouched() {
        // G4, after every test: not one subscription, suppression or consent field reached Klaviyo.
        assertThat(system.klaviyo().account(klaviyoKey).consentLog()).isEmpty();
    }

    protected void connect() {
        api.connectKlaviyo(account, klaviyoKey).expect(200, 201);
    }

    protected void segment(String id, String name, boolean synced) {
        api.putSegment(account, id, name).expect(200, 201);
        model.segment(id, name);
        if (synced) {
            sync(id, true);
        }
    }

    /**
     * Switches sync and waits until segment-service has fanned the switch out to every member: an event sent after this
     * is an ordinary change, not part of a first enable still fanning out (which would carry its short window).
     */
    protected void sync(String id, boolean enabled) {
        api.setSync(account, id, enabled).expect(200, 202, 204);
        model.sync(id, enabled);
        Awaitility.await("the fan-out of switching " + id).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> fannedOut(id));
    }

    private boolean fannedOut(String id) {
        for (var s : api.segments(account).expect(200).body()) {
            if (id.equals(s.path("segmentId").asText())) {
                return !s.path("fanningOut").asBoolean(true);
            }
        }
        return false;
    }

    protected void rename(String id, String name) {
        api.putSegment(account, id, name).expect(200, 201);
        model.segment(id, name);
    }

    /** Events in the order given, each observed a second after the previous one. */
    protected void send(SegmentEvent... events) {
        List<SegmentEvent> timed = java.util.Arrays.stream(events).map(this::stamp).toList();
        api.publish(account, timed).expect(200, 202);
        timed.forEach(model::apply);
    }

    protected SegmentEvent full(String email, String... segments) {
        return SegmentEvent.fullSet(account, email, List.of(segments), null);
    }

    protected SegmentEvent entered(String email, String... segments) {
        return SegmentEvent.delta(account, email, List.of(segments), List.of(), null);
    }

    protected SegmentEvent exited(String email, String... segments) {
        return SegmentEvent.delta(account, email, List.of(), List.of(segments), null);
    }

    protected SegmentEvent deleted(String email) {
        return SegmentEvent.deletion(account, email, null);
    }

    /** For events sent over Kafka: the same increasing observedAt as {@link #send}. */
    protected SegmentEvent stampForKafka(SegmentEvent e) {
        return stamp(e);
    }

    private SegmentEvent stamp(SegmentEvent e) {
        Instant at = Instant.ofEpochMilli(clock.addAndGet(1000));
        return new SegmentEvent(account, e.email(), e.segments(), e.entered(), e.exited(), e.deleted(), at);
    }

    /** Release now (SRE flush) until Klaviyo equals the model, contact by contact. */
    protected void flushAndAwaitConverged() {
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            api.flush(account).expect(200, 202, 204);
            assertConverged();
        });
    }

    protected void assertConverged() {
        assertThat(model.differences(system.klaviyoState(klaviyoKey))).as("contacts differing from the model").isEmpty();
    }
}
