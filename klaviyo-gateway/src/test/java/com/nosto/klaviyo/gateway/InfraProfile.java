package com.nosto.klaviyo.gateway;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Real Kafka and PostgreSQL for every @QuarkusTest of this module (one broker and database per JVM). */
@QuarkusTestResource(value = PostgresTestResource.class)
@QuarkusTestResource(value = KafkaTestResource.class, initArgs = @ResourceArg(name = "topics",
        value = "klaviyo-sync-batches:6,klaviyo-sync-batches-dlq:1"))
public final class InfraProfile {
    private InfraProfile() {
    }
}
