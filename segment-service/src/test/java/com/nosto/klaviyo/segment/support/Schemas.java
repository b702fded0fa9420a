package com.nosto.klaviyo.segment.support;

import com.nosto.klaviyo.events.EventJson;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/** Validates published JSON against the contract's schemas (events module, {@code /schemas/*.schema.json}). */
public final class Schemas {

    private Schemas() {
    }

    public static Set<ValidationMessage> validate(String schemaName, String json) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        try (InputStream in = Schemas.class.getResourceAsStream("/schemas/" + schemaName)) {
            if (in == null) {
                throw new IllegalStateException("No schema " + schemaName + " on the classpath");
            }
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
            return schema.validate(EventJson.mapper().readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
