package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.EmulatedAccount;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** G2, G3, G5, G7 across every change kind, contact by contact against the model. */
class ChangeKindsE2ETest extends E2ETestBase {

    @Test
    void everyChangeKindConverges() {
        connect();
        segment("whole-bean", "Category affinity: Whole_Bean", true);
        segment("product-whole-bean", "Product affinity: Whole_Bean", true);
        segment("vip", "VIP", true);
        segment("lapsed", "Lapsed", false);
        EmulatedAccount klaviyo = system.klaviyo().account(klaviyoKey);
        // A merchant's own profile data, set in Klaviyo beforehand, must survive (G5).
        klaviyo.seedProfile("kim@example.com", Map.of("favourite_roast", "dark"));

        // ADDED, with several segments at once and a segment that is not synced.
        send(full("ann@example.com", "whole-bean", "vip"), full("bob@example.com", "product-whole-bean"),
                full("kim@example.com", "vip"), full("cat@example.com", "lapsed"), full("dan@example.com", "vip"));
        flushAndAwaitConverged();

        // MOVED: properties change, list membership does not (no removal calls at all).
        long removalsBefore = system.klaviyo().calls().count("DELETE", "/api/lists/");
        send(entered("bob@example.com", "whole-bean"), exited("ann@example.com", "vip"), entered("kim@example.com", "product-whole-bean"));
        flushAndAwaitConverged();
        assertThat(system.klaviyo().calls().count("DELETE", "/api/lists/")).as("a move never removes from the list").isEqualTo(removalsBefore);

        // REMOVED (left the last synced segment), and a segment switched off.
        send(exited("bob@example.com", "product-whole-bean", "whole-bean"));
        sync("vip", false);
        flushAndAwaitConverged();

        // A rename reaches every member's properties.
        rename("whole-bean", "Category affinity: Whole Bean Coffee");
        flushAndAwaitConverged();

        // DELETED from Nosto, then added again later.
        send(deleted("ann@example.com"));
        flushAndAwaitConverged();
        send(full("ann@example.com", "product-whole-bean"));
        flushAndAwaitConverged();

        assertThat(system.profileCounts(klaviyoKey)).as("one profile per email (G5)").allSatisfy((email, n) -> assertThat(n).isEqualTo(1));
        assertThat(klaviyo.profileByEmail("kim@example.com").orElseThrow().properties()).containsEntry("favourite_roast", "dark");
        assertThat(klaviyo.lists()).as("exactly one list (G1)").hasSize(1);
    }
}
