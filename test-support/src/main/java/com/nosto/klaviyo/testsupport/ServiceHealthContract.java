package com.nosto.klaviyo.testsupport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.Arc;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.scheduler.Trigger;
import io.quarkus.test.common.http.TestHTTPResource;
import io.vertx.mutiny.sqlclient.Pool;
import java.lang.reflect.Method;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

/**
 * What every service shows an operator, checked the same way in each: its probes are up against the real broker
 * and database and it serves Prometheus metrics, both on the management interface (its own port, never the API's),
 * its database pool plans every statement for its parameters, and its console prints no shopper's email in clear. Each service's {@code @QuarkusTest HealthTest}
 * extends this and hands over its own pool.
 */
public abstract class ServiceHealthContract {

    /**
     * The management interface's root path, {@code /q} ({@code quarkus.management.test-port=0}: a random port,
     * learnt here).
     */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    private String at(String path) {
        return management.toString().replaceAll("/+$", "") + path;
    }

    /** The service's reactive pool (injected in the subclass, which Quarkus builds as a bean). */
    protected abstract Pool pool();

    @Test
    void probesAreUpWithRealKafkaAndPostgres() {
        for (String probe : new String[] {"live", "ready", "started"}) {
            given().when().get(at("/health/" + probe)).then().statusCode(200).body("status", is("UP"));
        }
    }

    @Test
    void prometheusMetricsAreServed() {
        given().when().get(at("/metrics")).then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    /** The chart's Grafana dashboard; its queries name the metrics they read. */
    private static final String DASHBOARD = "deploy/helm/nosto-klaviyo-sync/files/grafana-dashboard.json";

    /** Each service's own metric prefix; {@link #SHARED} ones every service exports. */
    private static final Map<String, String> PREFIX = Map.of(
            "segment-service", "segment_", "sync-worker", "sync_worker_", "klaviyo-gateway", "gateway_");
    private static final List<String> SHARED = List.of("nks_", "jvm_", "kafka_consumer_", "http_server_");

    /**
     * The dashboard (the chart ships it to Grafana) reads only what exists: every metric its queries name has a known
     * prefix, and those of this service's prefix and the shared ones are in this service's scrape. Lazily registered
     * series (the Kafka client's, the HTTP server's) are waited for; a request to the API makes the latter exist.
     */
    @Test
    void everyDashboardQueryNamesAMetricThisServiceExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(ProjectRoot.find().resolve(DASHBOARD).toFile());
        Set<String> names = new TreeSet<>();
        Pattern selector = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");
        int queries = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries++;
                Matcher m = selector.matcher(target.path("expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(queries).as("queries in the dashboard").isGreaterThan(10);
        String service = ConfigProvider.getConfig().getValue("quarkus.application.name", String.class);
        assertThat(PREFIX).as("a metric prefix for %s", service).containsKey(service);
        List<String> known = new ArrayList<>(PREFIX.values());
        known.addAll(SHARED);
        assertThat(names).as("metrics in the dashboard with no service's prefix")
                .allSatisfy(n -> assertThat(known).anySatisfy(p -> assertThat(n).startsWith(p)));
        List<String> mine = names.stream()
                .filter(n -> n.startsWith(PREFIX.get(service)) || SHARED.stream().anyMatch(n::startsWith)).toList();
        assertThat(mine).as("dashboard metrics of " + service).isNotEmpty();
        given().when().get("/api/accounts/dashboard-check/segments").then().extract().statusCode();
        Awaitility.await("every dashboard metric of " + service + " in its scrape").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    Set<String> scraped = new TreeSet<>();
                    for (String line : given().when().get(at("/metrics")).then().statusCode(200).extract().asString().split("\n")) {
                        Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(line);
                        if (m.find()) {
                            scraped.add(m.group(1));
                        }
                    }
                    assertThat(scraped).as("metrics %s exports", service).containsAll(mine);
                });
    }

    /** The API port serves neither: probes and metrics are reachable only where the NetworkPolicy lets operators in. */
    @Test
    void healthAndMetricsAreNotOnTheApiPort() {
        assertThat(management.getPort()).isNotEqualTo(io.restassured.RestAssured.port);
        for (String path : new String[] {"/q/health/ready", "/q/metrics"}) {
            int status = given().when().get(path).then().extract().statusCode();
            assertThat(status).as("GET %s on the API port", path).isIn(401, 403, 404);
        }
    }

    /** The pool's connections carry plan_cache_mode (application.properties): no generic plan outlives a table's growth. */
    @Test
    void databaseConnectionsPlanEveryStatementForItsParameters() {
        String mode = pool().query("show plan_cache_mode").execute().await().atMost(Duration.ofSeconds(10)).iterator().next()
                .getString(0);
        assertThat(mode).isEqualTo("force_custom_plan");
    }

    /**
     * G15's safety net, as configured ({@code quarkus.log.console.filter=email-redaction}): an email logged in clear
     * through JBoss Logging, in the message or in an exception, reaches the console as its pseudonym. The console
     * handler's filter rewrites the record before the handlers after it see it, so a handler added to the root logger
     * after Quarkus's own receives what the console printed.
     */
    @Test
    void anEmailLoggedInClearReachesTheConsoleAsItsPseudonym() throws Exception {
        String category = getClass().getName() + ".redaction";
        List<String> printed = ConsoleCapture.of(category, new PatternFormatter("%s%e"), () -> {
            Logger log = Logger.getLogger(category);
            log.warnf("Contact %s of %s could not be applied", "Jane.Doe@Example.com", "acme");
            log.error("Apply failed", new IllegalStateException("profile jane.doe@example.com rejected"));
        });

        String token = ConsoleCapture.pseudonym("jane.doe@example.com");
        assertThat(printed).hasSize(2);
        assertThat(printed.get(0)).isEqualTo("Contact " + token + " of acme could not be applied");
        assertThat(printed.get(1)).contains("java.lang.IllegalStateException: profile " + token + " rejected")
                .doesNotContainIgnoringCase("jane.doe@example.com");
    }
    /**
     * Every background loop of the service waits for the application to have started (and stops at shutdown):
     * Quarkus starts its scheduler before it connects the messaging channels, so under a slow start a loop's first
     * tick could create a bean whose emitter is not connected yet ({@code SRMSG00019}) or run against a service
     * that is not ready. Read from the scheduler's own jobs, so a loop added later is checked too.
     */
    @Test
    void everyScheduledLoopSkipsWhileTheApplicationIsNotRunning() throws Exception {
        List<Trigger> jobs = Arc.container().instance(Scheduler.class).get().getScheduledJobs();
        assertThat(jobs).as("the service's scheduled loops").isNotEmpty();
        for (Trigger job : jobs) {
            String description = Optional.ofNullable(job.getMethodDescription()).orElse("");
            assertThat(description).as("job %s names its method", job.getId()).contains("#");
            String[] parts = description.split("#", 2);
            Class<?> type = Class.forName(parts[0], false, getClass().getClassLoader());
            List<Scheduled> annotations = new ArrayList<>();
            for (Method method : type.getDeclaredMethods()) {
                if (method.getName().equals(parts[1])) {
                    annotations.addAll(List.of(method.getAnnotationsByType(Scheduled.class)));
                }
            }
            assertThat(annotations).as("@Scheduled on %s", description).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.skipExecutionIf()).as("skipExecutionIf of %s", description)
                            .isEqualTo(Scheduled.ApplicationNotRunning.class));
        }
    }
}
