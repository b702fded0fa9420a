package com.nosto.klaviyo.ops.redrive;

import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Dead letters exactly as the services write them: {@link DeadLetter#of} through {@link EventJson}. */
public final class Letters {

    /** Payloads a shell pipeline mangles: JSON escapes, raw control characters, 2-, 3- and 4-byte UTF-8. */
    public static final String NASTY_PAYLOAD = "{\"accountId\":\"acme\",\"email\":\"zoe@example.com\","
            + "\"note\":\"she said \\\"hi\\\" \\\\ C:\\\\dir\\nline\",\"raw\":\"tab\tnewline\nquote' back\\slash\","
            + "\"text\":\"Zoë 日本 😀\"}";
    public static final String NASTY_KEY = "acme|zoë.o'brien\"\\x@example.com";

    private Letters() {
    }

    /** The JSON of the DeadLetter a service writes for a source record with this key and value. */
    public static byte[] deadLetter(String sourceTopic, String key, String value, String reason, String errorType, Instant failedAt) {
        DeadLetter letter = DeadLetter.of("segment-service", sourceTopic, 0, 42L, key, value, errorType, reason, failedAt);
        return EventJson.write(letter).getBytes(StandardCharsets.UTF_8);
    }

    /** A value too large for a dead letter: the service cuts it to fit and marks the letter truncated. */
    public static String oversized() {
        return NASTY_PAYLOAD.repeat(DeadLetter.MAX_PAYLOAD_BYTES / NASTY_PAYLOAD.length() + 2);
    }
}
