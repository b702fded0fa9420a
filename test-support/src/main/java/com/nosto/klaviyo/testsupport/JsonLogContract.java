package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.jboss.logmanager.ExtHandler;
import org.junit.jupiter.api.Test;

/**
 * The service's console with JSON logs switched on as the chart does it ({@code LOG_JSON=true}): each record is one
 * JSON object with a dated timestamp, the service's name and the log context (account, window, batch and event ids
 * as LogContext puts them), and the email-redaction filter still rewrites it (G15). Each service's
 * {@code @QuarkusTest @TestProfile(JsonLogContract.JsonLogs.class) JsonLogTest} extends this.
 */
public abstract class JsonLogContract {

    /** LOG_JSON=true, the environment variable the chart sets for {@code global.logFormat: json}. */
    public static class JsonLogs implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("LOG_JSON", "true");
        }
    }

    /** The service's name, as the {@code service} field of each line. */
    protected abstract String serviceName();

    @Test
    void aLoggedRecordIsOneJsonObjectWithItsContextAndNoEmailInClear() throws Exception {
        Handler console = consoleHandler();
        assertThat(console.getFormatter().getClass().getName()).as("the console formats JSON").endsWith("JsonFormatter");

        String category = getClass().getName() + ".json";
        List<String> printed = new CopyOnWriteArrayList<>();
        // Added after Quarkus' handlers: the record it sees has passed the console's filter, and is formatted here
        // with the console's own formatter, on the logging thread (where the log context is).
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (category.equals(record.getLoggerName())) {
                    printed.add(console.getFormatter().format(record));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        try {
            MDC.put("accountId", "acme");
            MDC.put("windowId", "acme:REGULAR:2026-12-05T12:00:00Z");
            MDC.put("batchId", "acme:REGULAR:2026-12-05T12:00:00Z:3:0");
            MDC.put("eventId", "evt-42");
            Logger.getLogger(category).warnf("Contact %s of %s could not be applied", "Jane.Doe@Example.com", "acme");
        } finally {
            root.removeHandler(capture);
            for (String key : new String[] {"accountId", "windowId", "batchId", "eventId"}) {
                MDC.remove(key);
            }
        }

        assertThat(printed).hasSize(1);
        String line = printed.get(0).strip();
        assertThat(line).as("one line").doesNotContain("\n").doesNotContainIgnoringCase("jane.doe@example.com");
        JsonNode json = new ObjectMapper().readTree(line);
        String token = "email:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("jane.doe@example.com".getBytes(StandardCharsets.UTF_8)), 0, 6);
        assertThat(json.path("message").asText()).isEqualTo("Contact " + token + " of acme could not be applied");
        assertThat(json.path("timestamp").asText()).as("a date, not only a time").matches("\\d{4}-\\d{2}-\\d{2}T.*");
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("service").asText()).isEqualTo(serviceName());
        JsonNode mdc = json.path("mdc");
        assertThat(mdc.path("accountId").asText()).isEqualTo("acme");
        assertThat(mdc.path("windowId").asText()).isEqualTo("acme:REGULAR:2026-12-05T12:00:00Z");
        assertThat(mdc.path("batchId").asText()).isEqualTo("acme:REGULAR:2026-12-05T12:00:00Z:3:0");
        assertThat(mdc.path("eventId").asText()).isEqualTo("evt-42");
    }

    /** Quarkus' console handler, wherever it sits under the root logger's handlers. */
    private static Handler consoleHandler() {
        List<Handler> all = new ArrayList<>();
        collect(java.util.logging.Logger.getLogger("").getHandlers(), all);
        return all.stream().filter(h -> h.getClass().getName().endsWith("ConsoleHandler")).findFirst()
                .orElseThrow(() -> new AssertionError("no console handler under the root logger: " + all));
    }

    private static void collect(Handler[] handlers, List<Handler> into) {
        for (Handler h : handlers) {
            into.add(h);
            if (h instanceof ExtHandler ext) {
                collect(ext.getHandlers(), into);
            }
        }
    }
}
