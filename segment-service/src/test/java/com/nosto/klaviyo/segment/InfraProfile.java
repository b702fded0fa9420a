package com.nosto.klaviyo.segment;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Real Kafka and PostgreSQL for every @QuarkusTest of this module (one broker and database per JVM). */
@QuarkusTestResource(value = PostgresTestResource.class)
@QuarkusTestResource(value = KafkaTestResource.class, initArgs = @ResourceArg(name = "topics",
        value = "segment-events:6,segment-events-dlq:1,segment-membership-changes:6"))
public final class InfraProfile {
    private InfraProfile() {
    }
}
