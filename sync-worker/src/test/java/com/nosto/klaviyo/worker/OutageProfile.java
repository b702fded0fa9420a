package com.nosto.klaviyo.worker;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.ProxiedPostgresTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The service reaches PostgreSQL through a TCP proxy the test can cut ({@link ProxiedPostgresTestResource}); Kafka as
 * in {@link InfraProfile}. Its own Quarkus start, so the other tests keep their direct connection.
 */
public class OutageProfile implements QuarkusTestProfile {

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(ProxiedPostgresTestResource.class),
                new TestResourceEntry(KafkaTestResource.class, Map.of("topics", InfraProfile.TOPICS)));
    }
}
