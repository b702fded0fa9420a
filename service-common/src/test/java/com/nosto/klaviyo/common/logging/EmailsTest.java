package com.nosto.klaviyo.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmailsTest {

    @Test
    void aPseudonymIsStableForTheNormalisedAddressAndRevealsNothing() {
        assertThat(Emails.pseudonym(" Jane@Example.com ")).isEqualTo(Emails.pseudonym("jane@example.com"))
                .startsWith("email:").hasSize("email:".length() + 12).doesNotContain("jane");
        assertThat(Emails.pseudonym("jane@example.com")).isNotEqualTo(Emails.pseudonym("john@example.com"));
    }

    @Test
    void redactReplacesEveryAddressInATextAndLeavesTheRest() {
        String text = "contact acme|jane@example.com rejected: \"bob@shop.io\" is a duplicate of jane@example.com";
        String redacted = Emails.redact(text);
        assertThat(redacted).doesNotContain("jane@").doesNotContain("bob@").startsWith("contact acme|email:")
                .contains("rejected").contains(Emails.pseudonym("bob@shop.io"));
        assertThat(Emails.redact("no address here")).isEqualTo("no address here");
        assertThat(Emails.redact("Dead-lettering segment-events-3@42 (INVALID_EVENT)")).as("a Kafka position is no address")
                .isEqualTo("Dead-lettering segment-events-3@42 (INVALID_EVENT)");
        assertThat(Emails.redact("to jane.doe+vip@mail.example.co.uk.")).isEqualTo("to " + Emails.pseudonym("jane.doe+vip@mail.example.co.uk") + ".");
    }
}
