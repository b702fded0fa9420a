package com.nosto.klaviyo.gateway.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The only profile data the gateway ever writes (G3, G5): the two Nosto properties. The client builds
 * every profile body from this type, so no other attribute (and no consent field, G4) can be sent.
 */
public record NostoProperties(String nostoSegment, List<String> nostoSegments) {

    public static final String NOSTO_SEGMENT = "nosto_segment";
    public static final String NOSTO_SEGMENTS = "nosto_segments";

    public JsonObject toJson() {
        JsonObject props = new JsonObject();
        if (nostoSegment != null) {
            props.put(NOSTO_SEGMENT, nostoSegment);
        }
        props.put(NOSTO_SEGMENTS, new JsonArray(nostoSegments == null ? List.of() : List.copyOf(nostoSegments)));
        return props;
    }

    /** {@code meta.patch_properties.unset} of both properties ({@code null} would not clear them in bulk). */
    public static JsonObject unsetMeta() {
        return new JsonObject().put("patch_properties",
                new JsonObject().put("unset", new JsonArray().add(NOSTO_SEGMENT).add(NOSTO_SEGMENTS)));
    }
}
