package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CallLogTest {

    private static Call call(String body) {
        return new Call(Instant.now(), "k", "POST", "/api/profile-bulk-import-jobs", null, "bulk_import_profiles", 202, 1, body, false);
    }

    @Test
    void keepsAtMostCapacityCallsDroppingTheOldest() {
        CallLog log = new CallLog(2, 1000);

        log.add(call("a"));
        log.add(call("b"));
        log.add(call("c"));

        assertThat(log.all()).extracting(Call::requestBody).containsExactly("b", "c");
    }

    @Test
    void dropsTheOldestBodiesFirstWhenOverTheBodyBudget() {
        CallLog log = new CallLog(100, 10);

        log.add(call("123456"));
        log.add(call("abcdef"));

        assertThat(log.all()).hasSize(2).extracting(Call::requestBody).containsExactly(null, "abcdef");
        assertThat(log.countsByEndpointAndStatus().get("bulk_import_profiles")).containsEntry(202, 2L);
    }
}
