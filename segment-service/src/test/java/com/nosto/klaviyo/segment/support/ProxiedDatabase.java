package com.nosto.klaviyo.segment.support;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.ProxiedPostgresTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The service reaching PostgreSQL through a proxy the test can cut ({@code ProxiedPostgresTestResource.proxy()}), for
 * the outage tests. Its own resources only: the module's global ones would point the service at the database directly.
 */
public class ProxiedDatabase implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(ProxiedPostgresTestResource.class),
                new TestResourceEntry(KafkaTestResource.class, Map.of("topics", InfraTopics.SPEC)));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }
}
