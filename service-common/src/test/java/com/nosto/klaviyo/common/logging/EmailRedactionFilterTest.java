package com.nosto.klaviyo.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

class EmailRedactionFilterTest {

    private final EmailRedactionFilter filter = new EmailRedactionFilter();
    /** What the services' console prints of a record: the formatted message and the exception. */
    private final PatternFormatter console = new PatternFormatter("%s%e");

    private static ExtLogRecord printf(String format, Object... params) {
        ExtLogRecord r = new ExtLogRecord(Level.WARNING, format, ExtLogRecord.FormatStyle.PRINTF, "test");
        r.setParameters(params);
        return r;
    }

    @Test
    void anAddressPassedAsAParameterIsPrintedAsItsPseudonym() {
        ExtLogRecord r = printf("Contact %s of %s was refused", "Jane@Example.com", "acme");

        assertThat(filter.isLoggable(r)).isTrue();

        assertThat(console.format(r)).isEqualTo("Contact " + Emails.pseudonym("jane@example.com") + " of acme was refused");
    }

    @Test
    void aPlainJulRecordIsFormattedThenRedacted() {
        LogRecord r = new LogRecord(Level.INFO, "{0} left {1}");
        r.setParameters(new Object[] {"bob@shop.io", "vip"});

        assertThat(filter.isLoggable(r)).isTrue();

        assertThat(r.getMessage()).isEqualTo(Emails.pseudonym("bob@shop.io") + " left vip");
        assertThat(r.getParameters()).isNull();
    }

    @Test
    void anExceptionQuotingAnAddressIsPrintedRedactedWithItsTraceAndCauses() {
        IllegalStateException thrown = new IllegalStateException("profile jane@example.com rejected",
                new IllegalArgumentException("duplicate of bob@shop.io"));
        thrown.addSuppressed(new RuntimeException("also carol@shop.io"));
        ExtLogRecord r = printf("Apply failed");
        r.setThrown(thrown);

        filter.isLoggable(r);
        String printed = console.format(r);

        assertThat(printed).doesNotContain("jane@example.com").doesNotContain("bob@shop.io").doesNotContain("carol@shop.io")
                .contains("java.lang.IllegalStateException: profile " + Emails.pseudonym("jane@example.com") + " rejected")
                .contains("Caused by: java.lang.IllegalArgumentException: duplicate of " + Emails.pseudonym("bob@shop.io"))
                .contains("Suppressed: java.lang.RuntimeException: also " + Emails.pseudonym("carol@shop.io"))
                .contains("EmailRedactionFilterTest.anExceptionQuotingAnAddressIsPrintedRedactedWithItsTraceAndCauses");
    }

    @Test
    void aCauseChainThatLoopsIsCopiedOnce() {
        RuntimeException a = new RuntimeException("a for jane@example.com");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        ExtLogRecord r = printf("Loop");
        r.setThrown(a);

        filter.isLoggable(r);

        assertThat(console.format(r)).doesNotContain("jane@example.com").contains(Emails.pseudonym("jane@example.com"));
    }

    @Test
    void aRecordWithoutAnAddressKeepsItsException() {
        RuntimeException thrown = new RuntimeException("connection refused");
        ExtLogRecord r = printf("Account %s waits", "acme");
        r.setThrown(thrown);

        assertThat(filter.isLoggable(r)).isTrue();

        assertThat(r.getThrown()).isSameAs(thrown);
        assertThat(console.format(r)).startsWith("Account acme waits").contains("java.lang.RuntimeException: connection refused");
    }
}
