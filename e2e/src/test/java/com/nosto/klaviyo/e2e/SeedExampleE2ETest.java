package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.Profile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merchant-facing description, literally: whole-bean shoppers reach "Nosto Customers" with both properties. */
class SeedExampleE2ETest extends E2ETestBase {

    private static final String WHOLE_BEAN = "Category affinity: Whole_Bean";

    @Test
    void wholeBeanShoppersAreListedWithBothPropertiesAndLeaversLoseThem() {
        connect();
        segment("whole-bean", WHOLE_BEAN, true);
        send(full("Jane@Example.com ", "whole-bean"), full("joe@example.com", "whole-bean"), full("ann@example.com", "whole-bean"));
        flushAndAwaitConverged();

        Profile jane = system.klaviyo().account(klaviyoKey).profileByEmail("jane@example.com").orElseThrow();
        assertThat(jane.properties()).containsEntry("nosto_segment", WHOLE_BEAN).containsEntry("nosto_segments", List.of(WHOLE_BEAN));
        assertThat(system.klaviyo().account(klaviyoKey).listByName(SystemUnderTest.LIST_NAME)).isPresent();

        send(exited("joe@example.com", "whole-bean"));
        flushAndAwaitConverged();

        Profile joe = system.klaviyo().account(klaviyoKey).profileByEmail("joe@example.com").orElseThrow();
        assertThat(joe.properties()).doesNotContainKeys("nosto_segment", "nosto_segments");
        assertThat(system.klaviyoState(klaviyoKey).get("joe@example.com").inList()).isFalse();
        assertThat(system.klaviyoState(klaviyoKey).get("ann@example.com").inList()).isTrue();
    }
}
