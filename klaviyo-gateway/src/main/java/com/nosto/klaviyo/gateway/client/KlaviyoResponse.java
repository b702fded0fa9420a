package com.nosto.klaviyo.gateway.client;

import com.nosto.klaviyo.common.logging.Emails;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Klaviyo answer as a value, classified once ({@link Outcome}) so that callers never look at status codes: success
 * and the expected non-errors (404 gone, 409 duplicate, 400 with pointers, another refusal). A rejected key
 * (401/403) is {@link KeyRejectedException} and a Klaviyo that keeps failing (5xx, timeouts, 429s past the retries)
 * is {@link KlaviyoUnavailableException}, both thrown by the client.
 */
public record KlaviyoResponse(KlaviyoOperation operation, Outcome outcome, int status, JsonObject body, Duration retryAfter) {

    public enum Outcome {
        /** 2xx. */
        OK,
        /** 404: the list or profile no longer exists in Klaviyo. */
        GONE,
        /** 409 with {@code duplicate_profile_id}: the profile exists under another identifier. */
        DUPLICATE,
        /** 400: the request names what is invalid ({@code source.pointer}). */
        INVALID,
        /** 429 (the transport waits and retries these). */
        THROTTLED,
        /** Any other refusal; {@link #describe()} says what. */
        REJECTED
    }

    static Outcome classify(int status, JsonObject body) {
        if (status >= 200 && status < 300) {
            return Outcome.OK;
        }
        return switch (status) {
            case 404 -> Outcome.GONE;
            case 400 -> Outcome.INVALID;
            case 429 -> Outcome.THROTTLED;
            case 409 -> duplicateIn(body).isPresent() ? Outcome.DUPLICATE : Outcome.REJECTED;
            default -> Outcome.REJECTED;
        };
    }

    /** One entry of Klaviyo's {@code errors[]}; status/meta are parsed leniently (not in the spec). */
    public record ApiError(String code, String title, String detail, String pointer, JsonObject meta) {
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }

    public boolean gone() {
        return outcome == Outcome.GONE;
    }

    /**
     * The list a request names does not exist: a 404, or a 400 whose {@code not_found} error points into
     * {@code relationships.lists} (how a bulk import job naming a deleted list is refused; Klaviyo does not document
     * which of the two it answers, so both count).
     */
    public boolean listGone() {
        return gone() || outcome == Outcome.INVALID && errors().stream()
                .anyMatch(e -> "not_found".equals(e.code()) && e.pointer() != null && e.pointer().startsWith("/data/relationships/lists"));
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
        return errorsOf(body);
    }

    private static List<ApiError> errorsOf(JsonObject body) {
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
        return outcome == Outcome.DUPLICATE ? duplicateIn(body) : Optional.empty();
    }

    private static Optional<String> duplicateIn(JsonObject body) {
        return errorsOf(body).stream().map(e -> e.meta().getValue("duplicate_profile_id"))
                .filter(v -> v instanceof String).map(String.class::cast).findFirst();
    }

    /** A short description for logs and row errors; never contains request data, and an email Klaviyo quotes is pseudonymised. */
    public String describe() {
        List<ApiError> errs = errors();
        String first = errs.isEmpty() ? "" : ": " + (errs.get(0).code() == null ? "" : errs.get(0).code() + " ")
                + (errs.get(0).detail() == null ? "" : errs.get(0).detail());
        return Emails.redact(operation.operationId() + " → HTTP " + status + first);
    }
}
