package com.nosto.klaviyo.segment;

import com.nosto.klaviyo.segment.support.InfraTopics;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Real Kafka and PostgreSQL for every @QuarkusTest of this module (one broker and database per JVM). */
@QuarkusTestResource(value = PostgresTestResource.class)
@QuarkusTestResource(value = KafkaTestResource.class, initArgs = @ResourceArg(name = "topics", value = InfraTopics.SPEC))
public final class InfraProfile {
    private InfraProfile() {
    }
}
