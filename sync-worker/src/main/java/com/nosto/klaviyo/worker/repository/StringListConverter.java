package com.nosto.klaviyo.worker.repository;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.nosto.klaviyo.events.EventJson;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.List;

/** Segment names as a JSON array in a TEXT column: order matters and no array type juggling is needed. */
@Converter
public class StringListConverter implements AttributeConverter<List<String>, String> {

    private static final TypeReference<List<String>> TYPE = new TypeReference<>() {
    };

    @Override
    public String convertToDatabaseColumn(List<String> value) {
        return toColumn(value);
    }

    @Override
    public List<String> convertToEntityAttribute(String column) {
        return fromColumn(column);
    }

    /** Column form, also for the ingest's own SQL (which bypasses Hibernate). */
    public static String toColumn(List<String> value) {
        if (value == null) {
            return null;
        }
        try {
            return EventJson.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static List<String> fromColumn(String column) {
        if (column == null) {
            return null;
        }
        try {
            return EventJson.mapper().readValue(column, TYPE);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
