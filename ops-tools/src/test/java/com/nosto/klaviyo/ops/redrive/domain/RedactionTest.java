package com.nosto.klaviyo.ops.redrive.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.common.logging.Emails;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The tool prints one line per dead letter: never a shopper's email in clear (G15), in the services' convention. */
class RedactionTest {

    @Test
    void aContactKeyShowsTheAccountAndTheEmailsPseudonym() {
        String shown = Redaction.key("acme|Jane@Example.com ".getBytes(StandardCharsets.UTF_8));

        assertThat(shown).isEqualTo("acme|" + Emails.pseudonym("jane@example.com")).doesNotContain("jane");
    }

    @Test
    void thePseudonymIsTheOneTheServicesLog() {
        for (String email : new String[] {"jane@example.com", " Zoë.O'Brien@Example.com", "a+b@x.io"}) {
            assertThat(Redaction.pseudonym(email)).isEqualTo(Emails.pseudonym(email));
        }
    }

    @Test
    void anAccountKeyIsShownAsItIs() {
        assertThat(Redaction.key("acme".getBytes(StandardCharsets.UTF_8))).isEqualTo("acme");
        assertThat(Redaction.key(null)).isEqualTo("(none)");
    }

    @Test
    void reasonsShowEveryEmailAsItsPseudonymOnOneShortLine() {
        String reason = "Unexpected character at [Source: \"{\\\"email\\\":\\\"jane.doe+x@example.com\\\"\n ... bob@shop.io";

        String shown = Redaction.text(reason + " " + "x".repeat(500));

        assertThat(shown).doesNotContain("jane.doe").doesNotContain("bob@").contains(Emails.pseudonym("bob@shop.io")).doesNotContain("\n");
        assertThat(shown).hasSize(200);
    }
}
