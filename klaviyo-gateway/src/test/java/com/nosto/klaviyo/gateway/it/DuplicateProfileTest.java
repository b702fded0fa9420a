package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A 409 duplicate_profile from profile-import is resolved to the existing profile, never a second one (G5). */
@QuarkusTest
class DuplicateProfileTest extends GatewayTestBase {

    @AfterEach
    void removeInterceptors() {
        KlaviyoProxy.clear();
    }

    @Test
    void a409DuplicateIsResolvedToTheExistingProfileWhichGetsThePropertiesAndJoinsTheList() {
        connect();
        String jane = email("jane");
        var existing = klaviyo().seedProfile(jane, Map.of("favourite_colour", "green"));
        KlaviyoProxy.intercept((method, path, body) -> "POST".equals(method) && path.equals("/api/profile-import")
                && body.contains(jane)
                ? Optional.of(new KlaviyoProxy.Canned(409, """
                        {"errors":[{"id":"e1","status":409,"code":"duplicate_profile","title":"Conflict.",
                          "detail":"A profile already exists with one of these identifiers.",
                          "source":{"pointer":"/data/attributes"},"links":{},
                          "meta":{"duplicate_profile_id":"%s"}}]}""".formatted(existing.id())))
                : Optional.empty());

        publishWindow("w1", List.of(added(jane, 1, "VIP")));

        awaitWindows(1);
        assertThat(klaviyo().profiles()).hasSize(1);
        assertThat(klaviyo().listMemberIds(listId())).containsExactly(existing.id());
        assertThat(propertiesOf(jane)).containsEntry("nosto_segment", "VIP").containsEntry("favourite_colour", "green");
        assertThat(emulator().calls().forKey(apiKey).stream().map(Call::operationId)).contains("update_profile");
        assertThat(total("failed")).isZero();
    }
}
