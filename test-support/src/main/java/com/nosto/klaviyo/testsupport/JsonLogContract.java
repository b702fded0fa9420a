package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import org.eclipse.microprofile.config.ConfigProvider;
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

    @Test
    void aLoggedRecordIsOneJsonObjectWithItsContextAndNoEmailInClear() throws Exception {
        Handler console = consoleHandler();
        assertThat(console.getFormatter().getClass().getName()).as("the console formats JSON").endsWith("JsonFormatter");

        String category = getClass().getName() + ".json";
        String[] keys = {"accountId", "windowId", "batchId", "eventId"};
        List<String> printed = ConsoleCapture.of(category, console.getFormatter(), () -> {
            try {
                MDC.put("accountId", "acme");
                MDC.put("windowId", "acme:REGULAR:2026-12-05T12:00:00Z");
                MDC.put("batchId", "acme:REGULAR:2026-12-05T12:00:00Z:3:0");
                MDC.put("eventId", "evt-42");
                Logger.getLogger(category).warnf("Contact %s of %s could not be applied", "Jane.Doe@Example.com", "acme");
            } finally {
                for (String key : keys) {
                    MDC.remove(key);
                }
            }
        });

        assertThat(printed).hasSize(1);
        String line = printed.get(0).strip();
        assertThat(line).as("one line").doesNotContain("\n").doesNotContainIgnoringCase("jane.doe@example.com");
        JsonNode json = new ObjectMapper().readTree(line);
        String token = ConsoleCapture.pseudonym("jane.doe@example.com");
        assertThat(json.path("message").asText()).isEqualTo("Contact " + token + " of acme could not be applied");
        assertThat(json.path("timestamp").asText()).as("a date, not only a time").matches("\\d{4}-\\d{2}-\\d{2}T.*");
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("service").asText())
                .isEqualTo(ConfigProvider.getConfig().getValue("quarkus.application.name", String.class));
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
