package com.nosto.klaviyo.gateway.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Klaviyo answer as a value: success and the expected non-errors (404, 409 duplicate, 401/403, 400
 * with pointers, 429 after retries ran out) are all returned here for the caller to decide on.
 * Transient failures that outlive the retries surface as {@link KlaviyoUnavailableException} instead.
 */
public record KlaviyoResponse(KlaviyoOperation operation, int status, JsonObject body, Duration retryAfter) {

    /** One entry of Klaviyo's {@code errors[]}; status/meta are parsed leniently (not in the spec). */
    public record ApiError(String code, String title, String detail, String pointer, JsonObject meta) {
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    public boolean isAuthFailure() {
        return status == 401 || status == 403;
    }

    public boolean isNotFound() {
        return status == 404;
    }

    public boolean isThrottled() {
        return status == 429;
    }

    /** A JSON:API resource's {@code attributes}; empty when the resource or its attributes are absent. */
    public static JsonObject attributes(JsonObject resource) {
        if (resource == null) {
            return new JsonObject();
        }
        return resource.getValue("attributes") instanceof JsonObject a ? a : new JsonObject();
    }

    public JsonObject data() {
        return body == null ? null : body.getJsonObject("data");
    }

    public JsonArray dataArray() {
        Object d = body == null ? null : body.getValue("data");
        return d instanceof JsonArray a ? a : new JsonArray();
    }

    public String dataId() {
        JsonObject d = data();
        return d == null ? null : d.getString("id");
    }

    public String nextLink() {
        JsonObject links = body == null ? null : body.getJsonObject("links");
        return links == null ? null : links.getString("next");
    }

    public List<ApiError> errors() {
        List<ApiError> out = new ArrayList<>();
        Object errs = body == null ? null : body.getValue("errors");
        if (errs instanceof JsonArray arr) {
            for (Object o : arr) {
                if (o instanceof JsonObject e) {
                    JsonObject source = e.getValue("source") instanceof JsonObject s ? s : new JsonObject();
                    JsonObject meta = e.getValue("meta") instanceof JsonObject m ? m : new JsonObject();
                    out.add(new ApiError(e.getString("code"), e.getString("title"), e.getString("detail"),
                            source.getString("pointer"), meta));
                }
            }
        }
        return out;
    }

    /** 409 duplicate_profile: the existing profile's id from {@code errors[0].meta.duplicate_profile_id}. */
    public Optional<String> duplicateProfileId() {
        if (status != 409) {
            return Optional.empty();
        }
        return errors().stream().map(e -> e.meta().getValue("duplicate_profile_id"))
                .filter(v -> v instanceof String).map(String.class::cast).findFirst();
    }

    /** A short description for logs and row errors; never contains request data. */
    public String describe() {
        List<ApiError> errs = errors();
        String first = errs.isEmpty() ? "" : ": " + (errs.get(0).code() == null ? "" : errs.get(0).code() + " ")
                + (errs.get(0).detail() == null ? "" : errs.get(0).detail());
        return operation.operationId() + " → HTTP " + status + first;
    }
}
