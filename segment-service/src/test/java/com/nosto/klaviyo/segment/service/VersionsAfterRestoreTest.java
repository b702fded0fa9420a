package com.nosto.klaviyo.segment.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The service's database restored from a backup (issue 19 point 5): its contacts, memberships and tombstones go back
 * to an earlier state, but what was emitted since stays on the topic and downstream. Versions are a hybrid clock
 * (at least the time of emission in microseconds), so the next change of every contact, from an event, a re-add
 * after a deletion or a resync, is still above everything emitted before the restore, and downstream does not drop
 * it as stale.
 */
@QuarkusTest
class VersionsAfterRestoreTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final List<String> TABLES = List.of("contact", "membership", "contact_tombstone");

    @Inject
    Pool pool;

    private final Api api = new Api();
    private final String backup = "backup_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @Test
    void versionsAfterARestoreExceedEverythingEmittedBeforeIt() {
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("coffee", "Coffee");
        // a: stays; b: deleted after the backup; c: deleted before the backup and re-added after it.
        api.post(api.fullSet("a@example.com", T0, "vip"), api.fullSet("b@example.com", T0, "vip"),
                api.fullSet("c@example.com", T0, "vip"), api.deletion("c@example.com", T0.plusSeconds(1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forAccount(api.account).size() >= 4);
        backUp();

        api.post(api.fullSet("a@example.com", T0.plusSeconds(60), "vip", "coffee"), api.deletion("b@example.com", T0.plusSeconds(60)),
                api.fullSet("c@example.com", T0.plusSeconds(60), "vip"));
        List<MembershipChange> beforeRestore = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forAccount(api.account), l -> l.size() >= 7);
        Map<String, Long> highest = beforeRestore.stream().collect(Collectors.toMap(MembershipChange::email,
                MembershipChange::version, Math::max));

        restore();
        api.post(api.fullSet("a@example.com", T0.plusSeconds(120), "coffee"), api.fullSet("b@example.com", T0.plusSeconds(120), "coffee"),
                api.fullSet("c@example.com", T0.plusSeconds(120), "coffee"));
        given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/resync", api.account).then().statusCode(202);

        List<MembershipChange> all = await().atMost(Duration.ofSeconds(60)).until(() -> Changes.forAccount(api.account),
                l -> l.stream().filter(c -> c.cause().kind() == ChangeCause.Kind.RESYNC).count() >= 3);
        List<MembershipChange> afterRestore = all.subList(beforeRestore.size(), all.size());
        assertThat(afterRestore).extracting(MembershipChange::email).contains("a@example.com", "b@example.com", "c@example.com");
        assertThat(afterRestore).allSatisfy(c -> assertThat(c.version()).as("%s %s after the restore", c.email(), c.type())
                .isGreaterThan(highest.get(c.email())));
        // What docs/events.md promises: each contact's versions only grow, across deletions, re-adds and the restore.
        all.stream().collect(Collectors.groupingBy(MembershipChange::email)).forEach((email, changes) ->
                assertThat(changes).extracting(MembershipChange::version).as(email).isSorted().doesNotHaveDuplicates());
    }

    /** The account's rows as a backup holds them. */
    private void backUp() {
        for (String table : TABLES) {
            pool.query("create table segment_service." + backup + "_" + table + " (like segment_service." + table + ")")
                    .execute().await().atMost(Duration.ofSeconds(10));
            sql("insert into segment_service." + backup + "_" + table + " select * from segment_service." + table
                    + " where account_id = $1");
        }
    }

    /** The account's rows put back from the backup, as a restore of the service's schema would. */
    private void restore() {
        sql("delete from segment_service.contact_tombstone where account_id = $1");
        sql("delete from segment_service.membership where account_id = $1");
        sql("delete from segment_service.contact where account_id = $1");
        for (String table : TABLES) {
            sql("insert into segment_service." + table + " select * from segment_service." + backup + "_" + table
                    + " where account_id = $1");
            pool.query("drop table segment_service." + backup + "_" + table).execute().await().atMost(Duration.ofSeconds(10));
        }
    }

    private void sql(String statement) {
        pool.preparedQuery(statement).execute(Tuple.of(api.account)).await().atMost(Duration.ofSeconds(10));
    }
}
