package com.nosto.klaviyo.ops.whereis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The where-is table and its verdict, from the three services' answers as they serve them. */
class ContactReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ContactReport.Answer answer(String service, String json) {
        try {
            return new ContactReport.Answer(service, JSON.readTree(json), null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ContactReport.Answer segments(long version) {
        return answer("segment-service", """
                {"accountId":"acme","contact":"email:8c87b489ce35","segmentService":{"known":true,"version":%d,
                 "observedAt":"2026-11-29T08:00:00Z","updatedAt":"2026-11-29T08:00:01Z","syncedView":"[]",
                 "memberships":[{"segmentId":"vip","name":"VIP","syncEnabled":true,"enteredAt":"2026-11-29T08:00:00Z"},
                                {"segmentId":"x","name":null,"syncEnabled":false,"enteredAt":"2026-11-29T08:00:00Z"}]}}"""
                .formatted(version));
    }

    private static ContactReport.Answer worker(long desired, boolean pending, Long released) {
        return answer("sync-worker", """
                {"accountId":"acme","contact":"email:8c87b489ce35","syncWorker":{"known":true,"sourcePartition":3,
                 "desired":{"inList":true,"segment":"VIP","segments":"[\\"VIP\\"]","version":%d,"deleted":false},
                 "pending":%s,"pendingSince":"2026-11-29T08:00:02Z","firstEnablePending":false,"restate":false,
                 "nextReleaseAt":"2026-11-29T12:00:00Z","released":%s,"releasedAt":null}}"""
                .formatted(desired, pending, released == null ? "null"
                        : "{\"inList\":true,\"segment\":\"VIP\",\"segments\":\"[]\",\"version\":" + released + ",\"deleted\":false}"));
    }

    private static ContactReport.Answer gateway(Long applied) {
        return answer("klaviyo-gateway", applied == null ? "{\"contact\":\"email:8c87b489ce35\",\"klaviyoGateway\":{\"known\":false}}" : """
                {"accountId":"acme","contact":"email:8c87b489ce35","klaviyoGateway":{"known":true,"appliedVersion":%d,"inList":true,
                 "profileId":"01HPROFILE","updatedAt":"2026-11-29T12:00:09Z","klaviyoAccountId":"AbC123",
                 "lastRun":{"windowId":"acme/REGULAR/2026-11-29T12:00:00Z","windowKind":"REGULAR",
                  "startedAt":"2026-11-29T12:00:05Z","finishedAt":"2026-11-29T12:00:09Z"},"lastOutcome":null}}""".formatted(applied));
    }

    @Test
    void oneRowPerServiceWithWhatEachHolds() {
        String table = ContactReport.render("acme", segments(7), worker(7, false, 7L), gateway(7L));

        assertThat(table).startsWith("contact email:8c87b489ce35 of account acme\n");
        assertThat(table.lines()).hasSize(6);
        assertThat(table.lines().skip(2).findFirst().orElseThrow()).startsWith("segment-service").contains("v7")
                .contains("vip (VIP, synced), x (not defined)");
        assertThat(table).contains("v7 (released v7)").contains("profile 01HPROFILE")
                .contains("last run acme/REGULAR/2026-11-29T12:00:00Z").endsWith("=> in step: v7 applied to Klaviyo\n");
    }

    @Test
    void theVerdictNamesTheStageTheNewestChangeWaitsIn() {
        assertThat(ContactReport.verdict(segments(8), worker(7, false, 7L), gateway(7L))).startsWith("v8 not yet in sync-worker");
        assertThat(ContactReport.verdict(segments(8), worker(8, true, 7L), gateway(7L)))
                .isEqualTo("v8 waits in sync-worker for its window (2026-11-29T12:00:00Z)");
        assertThat(ContactReport.verdict(segments(8), worker(8, false, 8L), gateway(7L))).startsWith("v8 released, not yet applied");
        assertThat(ContactReport.verdict(segments(8), worker(8, true, null), gateway(null))).startsWith("v8 waits in sync-worker");
    }

    private static ContactReport.Answer gatewayNotApplied(String inbox, String lastOutcome) {
        return answer("klaviyo-gateway", """
                {"accountId":"acme","contact":"email:8c87b489ce35","klaviyoGateway":{"known":false,"lastRun":null,
                 "lastOutcome":%s,"inbox":%s}}""".formatted(lastOutcome, inbox));
    }

    private static ContactReport.Answer releasedAt(String at) {
        return answer("sync-worker", worker(8, false, 8L).body().toString().replace("\"releasedAt\":null", "\"releasedAt\":\"" + at + "\""));
    }

    @Test
    void aReleasedChangeWaitingInTheGatewaysInboxOrRefusedByKlaviyoIsNamed() {
        String inbox = """
                {"windowId":"acme/REGULAR/2026-11-29T12:00:00Z","windowKind":"REGULAR","version":8,"inList":true,
                 "receivedAt":"2026-11-29T12:00:01Z","waitingReason":"NOT_CONNECTED: no Klaviyo connection yet","retryAt":null}""";
        String waiting = ContactReport.render("acme", segments(8), worker(8, false, 8L), gatewayNotApplied(inbox, "null"));
        assertThat(waiting).contains("never applied").contains("in inbox v8 of acme/REGULAR/2026-11-29T12:00:00Z since 2026-11-29T12:00:01Z")
                .endsWith("=> v8 released, waits in the gateway's inbox (acme/REGULAR/2026-11-29T12:00:00Z; NOT_CONNECTED: no Klaviyo"
                        + " connection yet)\n");

        String failed = """
                {"windowId":"acme/REGULAR/2026-11-29T12:00:00Z","outcome":"FAILED","detail":"HTTP 400 Invalid email address",
                 "at":"2026-11-29T12:00:03Z"}""";
        assertThat(ContactReport.render("acme", segments(8), releasedAt("2026-11-29T12:00:00.5Z"), gatewayNotApplied("null", failed)))
                .contains("last outcome FAILED in acme/REGULAR/2026-11-29T12:00:00Z")
                .endsWith("=> v8 released, refused by Klaviyo (FAILED in acme/REGULAR/2026-11-29T12:00:00Z: HTTP 400 Invalid email"
                        + " address); its next released change tries again\n");
        // A failure older than the release is about an earlier change: the newest one is on its way.
        assertThat(ContactReport.verdict(segments(8), releasedAt("2026-11-29T13:00:00Z"), gatewayNotApplied("null", failed)))
                .startsWith("v8 released, not yet applied");
    }

    @Test
    void aServiceThatDidNotAnswerIsShownAndTheExitStatusSaysSo() {
        ContactReport.Answer down = new ContactReport.Answer("sync-worker", null, "ConnectException 127.0.0.1:1");
        String table = ContactReport.render("acme", segments(7), down, gateway(7L));
        assertThat(table).contains("sync-worker").contains("no answer").contains("ConnectException").endsWith("=> incomplete: a service did not answer\n");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = WhereIsMain.run(new String[] {"--account", "acme", "--email", "jane@example.com",
                "--segment-service", "http://127.0.0.1:1", "--sync-worker", "http://127.0.0.1:1", "--klaviyo-gateway", "http://127.0.0.1:1"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()), Map.of("NKS_TOKEN", "t"));
        assertThat(status).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("no answer").doesNotContain("jane@example.com");
    }

    @Test
    void usageErrorsExitWith2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(WhereIsMain.run(new String[] {"--account", "acme"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("NKS_TOKEN", "t"))).isEqualTo(2);
        assertThat(WhereIsMain.run(new String[] {"--account", "acme", "--email", "a@b.c"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()), Map.of())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--account and --email are required");
    }

}
