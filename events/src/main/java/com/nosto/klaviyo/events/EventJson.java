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
import java.time.Instant;
import java.time.OffsetDateTime;
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
    }
}
