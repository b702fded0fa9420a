package com.nosto.klaviyo.gateway;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.gateway.it.ProxiedKlaviyoEmulatorResource;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Real Kafka, PostgreSQL and the Klaviyo emulator for every @QuarkusTest of this module (one of each per JVM). */
@QuarkusTestResource(value = ProxiedKlaviyoEmulatorResource.class, initArgs = @ResourceArg(name = "bulkJobDelayMs", value = "50"))
@QuarkusTestResource(value = PostgresTestResource.class)
@QuarkusTestResource(value = KafkaTestResource.class, initArgs = @ResourceArg(name = "topics",
        value = "klaviyo-sync-batches:6,klaviyo-sync-batches-dlq:1"))
public final class InfraProfile {
    private InfraProfile() {
    }
}
