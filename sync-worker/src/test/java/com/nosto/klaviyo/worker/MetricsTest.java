package com.nosto.klaviyo.worker;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** G13: the worker's own metrics are on /q/metrics (management interface) once work flowed. */
@QuarkusTest
class MetricsTest {

    @TestHTTPResource(value = "/metrics", management = true)
    URL metricsUrl;

    @Test
    void changesInPendingGaugeAndDeadLettersAreExported() {
        String account = Kafka.unique("metrics");
        Kafka.produce(added(account, "m@example.com", 1, "VIP"));
        Kafka.produceRaw(account + "|broken@example.com", "not json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 1
                && !Kafka.deadLettersFor(account + "|broken@example.com").isEmpty());

        // The gauge is recounted every gauge-refresh (1 s in tests), not only registered: it shows the pending contact.
        String metrics = await().atMost(Duration.ofSeconds(30)).until(
                () -> given().when().get(metricsUrl).then().statusCode(200).extract().asString(),
                body -> regularPending(body) >= 1);

        assertThat(metrics).contains("sync_worker_changes_in_total{outcome=\"pending\"}")
                .contains("sync_worker_dead_letters_total")
                .contains("sync_worker_batches_released_total");
    }

    private static double regularPending(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("sync_worker_pending_contacts{kind=\"regular\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }
}
