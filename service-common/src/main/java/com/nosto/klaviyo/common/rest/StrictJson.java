package com.nosto.klaviyo.common.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nosto.klaviyo.events.EventJson;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Request bodies are read as strictly as the event contract: nothing coerced ({@code {"enabled":"true"}} or
 * {@code {"name":12}} is a 400 problem, not {@code true} or {@code "12"}). The same setup as {@link EventJson}.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        EventJson.configure(mapper);
    }
}
