package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.KlaviyoModel;
import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import com.nosto.klaviyo.testsupport.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * "Where is this contact?" (issue 22.3) followed through every stage on the running system: each service's
 * {@code POST …/contacts/state} and the verdict of {@code deploy/ops/where-is} (ops-tools' jar, run as the SRE runs it).
 *
 * <ol>
 *   <li><b>pending</b>: the event is accepted; segment-service holds the membership and its version, sync-worker the
 *   pending change and its next release (the shared system's regular window is 40 s), the gateway knows nothing.</li>
 *   <li><b>released</b>: the SRE flush releases the window. The gateway is held back deterministically: the account is
 *   not connected to Klaviyo yet, so the released batch waits in the gateway's inbox ({@code NOT_CONNECTED}) and the
 *   gateway shows it there, not applied; sync-worker shows it released, nothing pending.</li>
 *   <li><b>applied</b>: connecting applies the waiting window at once; the gateway shows the version applied, the
 *   Klaviyo profile id and the sync run (the window seen in its inbox), as the emulator holds them.</li>
 *   <li><b>failed</b>: a second contact of the same window, whose address Klaviyo refuses (the emulator's
 *   {@code rejectEmail}: "Invalid email address"), shows FAILED as the gateway's last row outcome, with that run.</li>
 * </ol>
 */
class ContactStateE2ETest extends E2ETestBase {

    private static final Path WHERE_IS_JAR = ProjectRoot.find().resolve("ops-tools/target/ops-tools.jar");

    /** The three services' answers at one moment. */
    private record States(JsonNode segments, JsonNode worker, JsonNode gateway) {
    }

    @AfterEach
    void clearFaults() {
        system.klaviyo().faults().clear();
    }

    @Test
    void oneContactPendingReleasedAppliedAndARefusedOneFailed() throws Exception {
        String jane = "jane." + account + "@example.com";
        String refused = "refused." + account + "@example.com";
        segment("vip", "VIP", true); // not connected yet: what sync-worker releases waits in the gateway's inbox
        system.klaviyo().faults().rejectEmail(refused);
        send(full(jane, "vip"), full(refused, "vip"));

        // 1. pending: accepted, waiting for the regular window in sync-worker.
        States pending = await("jane pending in sync-worker", jane, s -> s.worker().path("pending").asBoolean());
        await("the other contact pending too (one flush releases both)", refused, s -> s.worker().path("pending").asBoolean());
        assertThat(pending.segments().path("known").asBoolean()).isTrue();
        long version = pending.segments().path("version").asLong();
        assertThat(version).isPositive();
        JsonNode membership = pending.segments().path("memberships").get(0);
        assertThat(membership.path("segmentId").asText()).isEqualTo("vip");
        assertThat(membership.path("name").asText()).isEqualTo("VIP");
        assertThat(membership.path("syncEnabled").asBoolean()).isTrue();
        JsonNode desired = pending.worker().path("desired");
        assertThat(desired.path("version").asLong()).isEqualTo(version);
        assertThat(desired.path("inList").asBoolean()).isTrue();
        assertThat(desired.path("segment").asText()).isEqualTo("VIP");
        assertThat(absent(pending.worker().path("released"))).as("nothing released yet").isTrue();
        Instant nextRelease = Instant.parse(pending.worker().path("nextReleaseAt").asText());
        assertThat(nextRelease).as("the regular window's end").isAfter(Instant.now().minusSeconds(1))
                .isBefore(Instant.now().plus(E2ESystem.REGULAR_WINDOW).plusSeconds(1));
        assertThat(pending.gateway().path("known").asBoolean()).isFalse();
        assertThat(absent(pending.gateway().path("inbox"))).as("nothing released to the gateway").isTrue();
        assertThat(whereIs(jane)).contains("=> v" + version + " waits in sync-worker for its window");

        // 2. released: flushed by sync-worker, waiting in the gateway's inbox (the account has no Klaviyo connection).
        api.flush(account).expect(200, 202, 204);
        States released = await("jane released and waiting in the gateway's inbox", jane, s -> {
            if (s.worker().path("pending").asBoolean()) {
                api.flush(account).expect(200, 202, 204); // again, while the release has not run (60 a minute allowed)
            }
            return s.worker().path("released").path("version").asLong() == version
                    && s.gateway().path("inbox").path("waitingReason").asText("").startsWith("NOT_CONNECTED");
        });
        assertThat(released.worker().path("pending").asBoolean()).isFalse();
        assertThat(released.worker().path("releasedAt").isTextual()).isTrue();
        assertThat(released.worker().path("released").path("inList").asBoolean()).isTrue();
        JsonNode inbox = released.gateway().path("inbox");
        String windowId = inbox.path("windowId").asText();
        assertThat(windowId).startsWith(account + "/");
        assertThat(inbox.path("version").asLong()).isEqualTo(version);
        assertThat(inbox.path("inList").asBoolean()).isTrue();
        assertThat(released.gateway().path("known").asBoolean()).as("not applied").isFalse();
        assertThat(system.klaviyo().account(klaviyoKey).profileByEmail(jane)).as("not in Klaviyo").isEmpty();
        assertThat(whereIs(jane)).contains("=> v" + version + " released, waits in the gateway's inbox (" + windowId + "; NOT_CONNECTED");

        // 3. applied: connecting applies the waiting window; the gateway's view matches the emulator's.
        connect();
        States applied = await("jane applied", jane, s -> s.gateway().path("known").asBoolean());
        JsonNode g = applied.gateway();
        Profile profile = system.klaviyo().account(klaviyoKey).profileByEmail(jane).orElseThrow();
        assertThat(g.path("appliedVersion").asLong()).isEqualTo(version);
        assertThat(g.path("inList").asBoolean()).isTrue();
        assertThat(g.path("profileId").asText()).isEqualTo(profile.id());
        assertThat(g.path("klaviyoAccountId").asText()).isEqualTo(system.klaviyo().account(klaviyoKey).accountId());
        assertThat(g.path("lastRun").path("windowId").asText()).as("the run of the window that waited").isEqualTo(windowId);
        assertThat(absent(g.path("inbox"))).as("no longer waiting").isTrue();
        assertThat(absent(g.path("lastOutcome"))).isTrue();
        assertThat(profile.properties()).containsEntry("nosto_segment", "VIP");
        assertThat(system.klaviyoState(klaviyoKey).get(jane)).isEqualTo(new KlaviyoModel.Expected(true, "VIP", Set.of("VIP")));
        assertThat(runIds()).contains(windowId);
        assertThat(applied.worker().path("released").path("version").asLong()).isEqualTo(version);
        assertThat(whereIs(jane)).contains("=> in step: v" + version + " applied to Klaviyo");

        // 4. failed: the contact Klaviyo refused, in the same run; released by sync-worker, not in Klaviyo, not waiting.
        States failed = await("the refused contact failed", refused, s -> s.gateway().path("lastOutcome").isObject());
        JsonNode outcome = failed.gateway().path("lastOutcome");
        assertThat(outcome.path("outcome").asText()).isEqualTo("FAILED");
        assertThat(outcome.path("windowId").asText()).isEqualTo(windowId);
        assertThat(outcome.path("detail").asText()).contains("Invalid email address");
        assertThat(failed.gateway().path("known").asBoolean()).as("never applied").isFalse();
        assertThat(absent(failed.gateway().path("inbox"))).as("a failed row is not retried").isTrue();
        long refusedVersion = failed.worker().path("released").path("version").asLong();
        assertThat(refusedVersion).isEqualTo(failed.segments().path("version").asLong());
        assertThat(failed.worker().path("pending").asBoolean()).isFalse();
        assertThat(system.klaviyo().account(klaviyoKey).profileByEmail(refused)).isEmpty();
        JsonNode run = runs().stream().filter(r -> windowId.equals(r.path("windowId").asText())).findFirst().orElseThrow();
        assertThat(run.path("failed").asInt()).isEqualTo(1);
        assertThat(whereIs(refused)).contains("=> v" + refusedVersion + " released, refused by Klaviyo (FAILED in " + windowId);
    }

    /** Null in the answer, or left out. */
    private static boolean absent(JsonNode node) {
        return node.isNull() || node.isMissingNode();
    }

    private States states(String email) {
        return new States(api.segmentServiceContactState(account, email).expect(200).body().path("segmentService"),
                api.syncWorkerContactState(account, email).expect(200).body().path("syncWorker"),
                api.gatewayContactState(account, email).expect(200).body().path("klaviyoGateway"));
    }

    /** Asks the three services until {@code done} holds; returns that moment's answers. */
    private States await(String what, String email, Predicate<States> done) {
        States[] last = new States[1];
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
            last[0] = states(email);
            return done.test(last[0]);
        });
        return last[0];
    }

    private List<JsonNode> runs() {
        List<JsonNode> runs = new ArrayList<>();
        api.syncRuns(account).expect(200).body().forEach(runs::add);
        return runs;
    }

    private List<String> runIds() {
        return runs().stream().map(r -> r.path("windowId").asText()).toList();
    }

    /** {@code deploy/ops/where-is} as an SRE runs it (ops-tools' jar, an sre token); its table, which never shows the email. */
    private String whereIs(String email) throws IOException, InterruptedException {
        assertThat(WHERE_IS_JAR).as("ops-tools' jar (mvn package)").exists();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-XX:TieredStopAtLevel=1", "-cp", WHERE_IS_JAR.toString(), "com.nosto.klaviyo.ops.whereis.WhereIsMain",
                "--account", account, "--email", email,
                "--segment-service", system.service("segment-service").baseUrl(),
                "--sync-worker", system.service("sync-worker").baseUrl(),
                "--klaviyo-gateway", system.service("klaviyo-gateway").baseUrl());
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("NKS_TOKEN", Tokens.sre());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("where-is finished").isTrue();
        assertThat(p.exitValue()).as("where-is exit status; output:%n%s", out).isZero();
        assertThat(out).as("the table names the contact by its pseudonym only").doesNotContain(email).contains("contact email:");
        System.out.print(out); // the test's report shows each stage's table
        return out;
    }
}
