package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.KlaviyoEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The resource hands Quarkus tests one running emulator per JVM and its base URL as klaviyo.base-url. */
class KlaviyoEmulatorTestResourceTest {

    @Test
    void startsOneEmulatorPerJvmWithPreRegisteredKeysAndReturnsItsBaseUrl() throws Exception {
        KlaviyoEmulatorTestResource resource = new KlaviyoEmulatorTestResource();
        resource.init(Map.of("keys", "pk_resource_test", "bulkJobDelayMs", "50"));

        Map<String, String> config = resource.start();
        KlaviyoEmulator emulator = KlaviyoEmulatorTestResource.emulator();
        HttpResponse<String> lists = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(config.get("klaviyo.base-url") + "/api/lists"))
                        .header("Authorization", "Klaviyo-API-Key pk_resource_test").header("revision", "2026-07-15").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(config).containsEntry("klaviyo.base-url", emulator.baseUrl());
        assertThat(new KlaviyoEmulatorTestResource().start()).isEqualTo(config);
        assertThat(lists.statusCode()).isEqualTo(200);
        assertThat(emulator.findAccount("pk_resource_test")).isPresent();
    }
}
