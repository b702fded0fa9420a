package com.nosto.klaviyo.segment.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.segment.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 6 (G15): tombstones of contacts deleted longer ago than {@code segment-service.retention.tombstones}
 * (30 days) go, younger ones stay; the purge deletes two per statement in tests, so several statements run.
 */
@QuarkusTest
class TombstonePurgeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Pool pool;

    @Inject
    TombstonePurge purge;

    private final Api api = new Api();

    private long tombstones() {
        return pool.preparedQuery("select count(*) from segment_service.contact_tombstone where account_id = $1")
                .execute(Tuple.of(api.account)).await().atMost(WAIT).iterator().next().getLong(0);
    }

    private List<Instant> deletedAt() {
        List<Instant> out = new ArrayList<>();
        for (Row r : pool.preparedQuery("select deleted_at from segment_service.contact_tombstone where account_id = $1")
                .execute(Tuple.of(api.account)).await().atMost(WAIT)) {
            out.add(r.getOffsetDateTime(0).toInstant());
        }
        return out;
    }

    @Test
    void tombstonesPastTheRetentionGoAndYoungerOnesStay() {
        Instant longAgo = Instant.now().minus(40, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        Instant recently = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 5; i++) {
            String email = "old" + i + "@example.com";
            api.post(api.fullSet(email, longAgo, "vip"), api.deletion(email, longAgo.plusSeconds(1)));
        }
        api.post(api.fullSet("recent@example.com", recently, "vip"), api.deletion("recent@example.com", recently.plusSeconds(1)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(tombstones()).isEqualTo(6));

        assertThat(purge.purge().await().atMost(WAIT)).isGreaterThanOrEqualTo(5);

        assertThat(deletedAt()).containsExactly(recently.plusSeconds(1));
    }
}
