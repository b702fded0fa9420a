package com.nosto.klaviyo.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * The one Jackson setup for the contract: ISO-8601 instants, unknown fields tolerated (forward compatible), and
 * nothing coerced. A value of the wrong JSON type is refused as the JSON Schemas say, never converted: a number or
 * a boolean where a string is expected ({@code accountId}, {@code segments}), a string where a boolean is
 * ({@code deleted}), and an instant that is not an RFC 3339 date-time string of the years 1 to 9999 (epoch seconds,
 * as a number or as a string, are refused).
 */
public final class EventJson {

    private static final ObjectMapper MAPPER = configure(new ObjectMapper());

    private EventJson() {
    }

    public static ObjectMapper configure(ObjectMapper mapper) {
        mapper.registerModule(new JavaTimeModule())
                .registerModule(new SimpleModule("strict-instants").addDeserializer(Instant.class, new StrictInstantDeserializer()))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean}) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        for (LogicalType type : new LogicalType[] {LogicalType.Boolean, LogicalType.Integer, LogicalType.Float}) {
            mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        return mapper;
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** JSON of a contract object. Contract records always serialise; a failure is a programming error. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Not serialisable as JSON: " + value.getClass().getName(), e);
        }
    }

    /**
     * Reads a contract object.
     *
     * @throws IllegalArgumentException when the text is not JSON of that type, with Jackson's first line as the reason
     */
    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            int nl = message == null ? -1 : message.indexOf('\n');
            throw new IllegalArgumentException(nl < 0 ? message : message.substring(0, nl), e);
        }
    }

    /**
     * An instant as the schemas' {@code date-time}: an RFC 3339 string with a four-digit year and a zone ({@code Z} or
     * an offset), between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z.
     */
    static final class StrictInstantDeserializer extends StdScalarDeserializer<Instant> {

        private static final Pattern RFC_3339 = Pattern.compile(
                "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})");
        private static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
        private static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999999Z");

        StrictInstantDeserializer() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p.currentToken(), p,
                        "an instant must be an RFC 3339 date-time string, e.g. 2026-11-29T08:00:00Z");
            }
            String text = p.getText();
            Instant common = parseCommon(text);
            if (common != null && !common.isBefore(MIN) && !common.isAfter(MAX)) {
                return common;
            }
            if (!RFC_3339.matcher(text).matches()) {
                throw ctxt.weirdStringException(text, Instant.class,
                        "not an RFC 3339 date-time with a zone, e.g. 2026-11-29T08:00:00Z");
            }
            Instant instant;
            try {
                instant = OffsetDateTime.parse(text.toUpperCase(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                throw ctxt.weirdStringException(text, Instant.class, "not a valid date-time: " + e.getMessage());
            }
            if (instant.isBefore(MIN) || instant.isAfter(MAX)) {
                throw ctxt.weirdStringException(text, Instant.class, "outside the years 1 to 9999 (UTC)");
            }
            return instant;
        }

        private static final int[] SCALE = {0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1};

        /**
         * The pattern above read by hand, for speed (the pattern and {@code DateTimeFormatter} were most of the CPU of
         * reading a change): the instant, or null when {@code text} is not exactly of that form or not a valid
         * date-time, so the careful path says why. Either way the range check follows.
         */
        static Instant parseCommon(String text) {
            int n = text.length();
            if (n < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || (text.charAt(10) != 'T' && text.charAt(10) != 't')
                    || text.charAt(13) != ':' || text.charAt(16) != ':') {
                return null;
            }
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 2);
            int day = digits(text, 8, 2);
            int hour = digits(text, 11, 2);
            int minute = digits(text, 14, 2);
            int second = digits(text, 17, 2);
            if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
                return null;
            }
            int i = 19;
            int nano = 0;
            if (text.charAt(i) == '.') {
                int start = ++i;
                while (i < n && i - start < 10 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                    i++;
                }
                int length = i - start;
                if (length < 1 || length > 9) {
                    return null;
                }
                nano = digits(text, start, length) * SCALE[length];
            }
            if (i >= n) {
                return null;
            }
            char zone = text.charAt(i);
            int offsetSeconds;
            if ((zone == 'Z' || zone == 'z') && i == n - 1) {
                offsetSeconds = 0;
            } else if ((zone == '+' || zone == '-') && i == n - 6 && text.charAt(i + 3) == ':') {
                int hours = digits(text, i + 1, 2);
                int minutes = digits(text, i + 4, 2);
                if (hours < 0 || minutes < 0 || minutes > 59 || hours * 60 + minutes > 18 * 60) {
                    return null;
                }
                offsetSeconds = (zone == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
            } else {
                return null;
            }
            try {
                return LocalDateTime.of(year, month, day, hour, minute, second, nano).toInstant(ZoneOffset.ofTotalSeconds(offsetSeconds));
            } catch (DateTimeException e) {
                return null;
            }
        }

        /** The ASCII digits at {@code from} as a number, or -1 when one of them is not a digit. */
        private static int digits(String text, int from, int count) {
            int value = 0;
            for (int i = from; i < from + count; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                value = value * 10 + (c - '0');
            }
            return value;
        }
    }
}
