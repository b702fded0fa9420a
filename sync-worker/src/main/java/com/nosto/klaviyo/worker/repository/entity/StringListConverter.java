package com.nosto.klaviyo.worker.repository.entity;

import com.nosto.klaviyo.events.EventJson;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.List;

/** Segment names as a JSON array in a TEXT column: order matters and no array type juggling is needed. */
@Converter
public class StringListConverter implements AttributeConverter<List<String>, String> {

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
        return value == null ? null : EventJson.write(value);
    }

    public static List<String> fromColumn(String column) {
        return column == null ? null : List.of(EventJson.read(column, String[].class));
    }
}
