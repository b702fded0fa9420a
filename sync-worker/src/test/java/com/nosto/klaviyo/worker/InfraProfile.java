package com.nosto.klaviyo.worker;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Real Kafka and PostgreSQL for every @QuarkusTest of this module (one broker and database per JVM). */
@QuarkusTestResource(value = PostgresTestResource.class)
@QuarkusTestResource(value = KafkaTestResource.class, initArgs = @ResourceArg(name = "topics", value = InfraProfile.TOPICS))
public final class InfraProfile {

    static final String TOPICS = "segment-membership-changes:6,segment-membership-changes-dlq:1,klaviyo-sync-batches:6";

    private InfraProfile() {
    }
}
