package com.nosto.klaviyo.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.gateway.client.KlaviyoClient.BulkProfile;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** G4 by construction: no operation and no body the client can build touches consent. */
class AllowListTest {

    @Test
    void noOperationReachesSubscriptionSuppressionOrConsentEndpoints() {
        assertThat(Arrays.stream(KlaviyoOperation.values()).map(KlaviyoOperation::pathTemplate))
                .noneMatch(p -> p.contains("subscri") || p.contains("suppress") || p.contains("push-token") || p.startsWith("/client"));
    }

    @Test
    void everyOperationIdIsFromTheSpecAllowList() {
        assertThat(Arrays.stream(KlaviyoOperation.values()).map(KlaviyoOperation::operationId)).containsExactlyInAnyOrder(
                "get_lists", "get_list", "create_list", "update_list", "get_profiles_for_list", "add_profiles_to_list",
                "remove_profiles_from_list", "get_profiles",
                "create_or_update_profile", "update_profile", "bulk_import_profiles", "get_bulk_import_profiles_job",
                "get_errors_for_bulk_import_profiles_job", "request_profile_deletion", "get_accounts");
    }

    @Test
    void profileBodiesCarryOnlyEmailAndTheTwoProperties() {
        JsonObject upsert = BulkProfile.upsert("a@x.com", new NostoProperties("VIP", List.of("VIP", "Beans"))).toJson();
        assertThat(upsert.getJsonObject("attributes").fieldNames()).containsExactlyInAnyOrder("email", "properties");
        assertThat(upsert.getJsonObject("attributes").getJsonObject("properties").fieldNames())
                .containsExactlyInAnyOrder("nosto_segment", "nosto_segments");
        assertThat(upsert.encode()).doesNotContain("subscriptions").doesNotContain("consent");
    }

    @Test
    void unsetUsesPatchPropertiesWithAnArrayOfBothNames() {
        JsonObject unset = BulkProfile.unset("a@x.com", "P1").toJson();
        assertThat(unset.getJsonObject("meta").getJsonObject("patch_properties").getJsonArray("unset").getList())
                .containsExactly("nosto_segment", "nosto_segments");
        assertThat(unset.getJsonObject("attributes").containsKey("properties")).isFalse();
    }

    @Test
    void queriesAreFullyEncodedSoAPlusInAnEmailSurvives() {
        String q = KlaviyoClient.encodeQuery(Map.of("filter", "any(email,[" + KlaviyoClient.quoted("a+b@x.com") + "])"));
        assertThat(q).isEqualTo("?filter=any%28email%2C%5B%22a%2Bb%40x.com%22%5D%29");
    }

    @Test
    void pathIdsAreEncoded() {
        assertThat(KlaviyoOperation.GET_LIST.path("a/b")).isEqualTo("/api/lists/a%2Fb");
    }

    @Test
    void credentialsNeverPrintTheKey() {
        assertThat(new KlaviyoCredentials("acme", "pk_secret", null).toString()).doesNotContain("pk_secret");
    }
}
