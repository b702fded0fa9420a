package com.nosto.klaviyo.segment.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import java.time.Instant;
import java.util.stream.Collectors;

/**
 * Reads a segment event from text (Kafka) or a JSON tree (one REST array item) and turns Jackson's
 * failures into a reason and a pointer, so malformed input is reported rather than thrown. Nothing is
 * coerced ({@link EventJson}): a value of another JSON type than the schema's is refused with the type expected.
 */
public final class EventReader {

    /** Why an input could not be read at all. */
    public enum Failure { MALFORMED_JSON, WRONG_TYPE }

    /** Either {@code event} or a {@code failure} with pointer and reason. */
    public record Read(SegmentEvent event, Failure failure, String pointer, String reason) {
        public boolean ok() {
            return failure == null;
        }
    }

    private static final ObjectMapper MAPPER = EventJson.mapper();
    private static final ObjectReader EVENT = MAPPER.readerFor(SegmentEvent.class);

    private EventReader() {
    }

    public static Read fromText(String text) {
        if (text == null || text.isBlank()) {
            return new Read(null, Failure.MALFORMED_JSON, "", "empty record value");
        }
        // The common case, a well-formed event, in one pass. Anything else is read again as a tree, which tells a
        // non-object from malformed JSON and gives the pointer and reason exactly as for a REST array item.
        try {
            SegmentEvent event = EVENT.readValue(text);
            if (event != null) {
                return new Read(event, null, null, null);
            }
        } catch (JsonProcessingException e) {
            // read again below
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return new Read(null, Failure.MALFORMED_JSON, "", "Malformed JSON: " + e.getOriginalMessage());
        }
        return fromTree(tree);
    }

    public static Read fromTree(JsonNode tree) {
        if (tree == null || !tree.isObject()) {
            return new Read(null, Failure.WRONG_TYPE, "", "event must be a JSON object");
        }
        try {
            return new Read(MAPPER.treeToValue(tree, SegmentEvent.class), null, null, null);
        } catch (JsonMappingException e) {
            String pointer = e.getPath().stream()
                    .map(r -> "/" + (r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex())))
                    .collect(Collectors.joining());
            String where = pointer.isEmpty() ? "" : " at " + pointer;
            String reason;
            // A well-typed value refused for its form (a date-time outside the contract) versus a refused coercion.
            if (e instanceof InvalidFormatException f && f.getValue() instanceof String) {
                reason = "wrong value" + where + ": " + e.getOriginalMessage();
            } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
                reason = "wrong type" + where + ": expected " + expected(m.getTargetType());
            } else {
                reason = "unreadable" + where + ": " + e.getOriginalMessage();
            }
            return new Read(null, Failure.WRONG_TYPE, pointer, reason);
        } catch (JsonProcessingException e) {
            return new Read(null, Failure.MALFORMED_JSON, "", "Malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static String expected(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Instant.class) {
            return "an RFC 3339 date-time string, e.g. 2026-11-29T08:00:00Z";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "an array of strings";
        }
        return "a value of type " + type.getSimpleName();
    }
}
