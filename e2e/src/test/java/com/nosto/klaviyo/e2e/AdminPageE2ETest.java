package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.testsupport.ProjectRoot;
import com.nosto.klaviyo.testsupport.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The admin page in a real headless Chromium against the whole system (issue 10): a merchant connects an
 * emulator key (a refused key first, which must show Klaviyo's reason), switches a segment on, waits for the
 * first-enable release and sees it in the sync history; a token for one account sees a 403 and no data for
 * another; a crafted link naming other service addresses sends the token nowhere else, and the page works under
 * the gateway's Content-Security-Policy (issue 21). The browser part is admin-ui/src/test/browser/admin-page.mjs (playwright-core driving Debian's
 * chromium); this test prepares the data, runs it and asserts exit code 0. Missing node or chromium is a
 * failure, not a skip: run admin-ui/src/test/browser/install.sh first.
 */
class AdminPageE2ETest extends E2ETestBase {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final Duration BROWSER_TIMEOUT = Duration.ofMinutes(4);

    @Test
    void merchantConnectsKlaviyoSwitchesSyncAndSeesTheReleaseWhileOtherAccountsStayHidden() throws Exception {
        Path root = ProjectRoot.find();
        Path browser = root.resolve("admin-ui/src/test/browser");
        Path node = onPath("node");
        assertThat(node).as("node on PATH (admin-ui/src/test/browser/install.sh)").isNotNull();
        assertThat(CHROMIUM).as("Debian chromium (apt-get install -y chromium, or install.sh)").exists();
        assertThat(browser.resolve("node_modules/playwright-core/package.json"))
                .as("playwright-core installed: run npm ci in " + browser).exists();

        segment("vip", "VIP customers", false);
        send(full("ada@example.com", "vip"), full("bob@example.com", "vip"), full("cyd@example.com", "vip"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() ->
                api.segments(account).expect(200).body().get(0).get("memberCount").asLong() == 3);

        String other = "shop-other-" + UUID.randomUUID().toString().substring(0, 8);
        String secret = "Secret segment of " + other;
        api.putSegment(other, "secret", secret).expect(200, 201);
        String refusedKey = "pk_refused_" + UUID.randomUUID().toString().substring(0, 8); // never registered: Klaviyo 401

        // The page drives the gateway; fail here, plainly, if the running gateway cannot answer for the account.
        api.klaviyoStatus(account).expect(200);
        String gateway = system.service("klaviyo-gateway").baseUrl();
        List<String> cmd = List.of(node.toString(), "admin-page.mjs",
                "--page", gateway + "/admin/",
                "--segments", system.service("segment-service").baseUrl(),
                "--worker", system.service("sync-worker").baseUrl(),
                "--account", account,
                "--token", Tokens.forAccounts(account),
                "--other-account", other,
                "--other-secret", secret,
                "--key", klaviyoKey,
                "--refused-key", refusedKey,
                "--refused-reason", "Incorrect authentication credentials",
                "--segment", "vip",
                "--members", "3",
                "--release-timeout", "90",
                "--chromium", CHROMIUM.toString(),
                "--screenshots", root.resolve("docs/screenshots").toString());
        Run run = run(cmd, browser);
        System.out.println("admin-page.mjs:\n" + run.output());
        assertThat(run.exitCode()).as("admin-page.mjs output:%n%s", run.output()).isZero();

        // The page's actions reached Klaviyo exactly as the model says (connect + first enable → 3 in the list).
        model.sync("vip", true);
        assertConverged();
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        if (!p.waitFor(BROWSER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            return new Run(-1, "timed out after " + BROWSER_TIMEOUT + "\n" + out.getNow("(no output yet)"));
        }
        return new Run(p.exitValue(), out.join());
    }

    private static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
