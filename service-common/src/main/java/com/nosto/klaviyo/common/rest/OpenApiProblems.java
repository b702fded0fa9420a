package com.nosto.klaviyo.common.rest;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * The problem responses of every service's OpenAPI document, defined once: the {@link Problem} schema and one named
 * response per status a problem is answered with. A resource method names the ones particular to it by {@code ref}
 * ({@code @APIResponse(responseCode = "404", ref = OpenApiProblems.NOT_FOUND)}). The ones every {@code /api} operation
 * can answer are added here to each operation, because service-common answers them before or around every resource:
 * 400 (an account id that is not one, AccountAccessFilter), 401 (no valid bearer token), 403 (the token may not act
 * for the account, or lacks the role), 503 with {@code Retry-After} (the database or broker away, ProblemMappers) and,
 * for an operation with a body, 413 (ProblemRoutes). Runs at build time, so the stored documents (docs/api/) have them.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class OpenApiProblems implements OASFilter {

    public static final String BAD_REQUEST = "BadRequest";
    public static final String UNAUTHORIZED = "Unauthorized";
    public static final String FORBIDDEN = "Forbidden";
    public static final String NOT_FOUND = "NotFound";
    public static final String CONFLICT = "Conflict";
    public static final String CONTENT_TOO_LARGE = "ContentTooLarge";
    public static final String UNPROCESSABLE = "UnprocessableContent";
    public static final String TOO_MANY_REQUESTS = "TooManyRequests";
    public static final String BAD_GATEWAY = "BadGateway";
    public static final String SERVICE_UNAVAILABLE = "ServiceUnavailable";
    /** The problem body's schema, {@code #/components/schemas/Problem}. */
    public static final String PROBLEM_SCHEMA = "Problem";

    private static final String REFS = "#/components/responses/";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema(PROBLEM_SCHEMA, problemSchema());
        responses().forEach((name, response) -> openAPI.getComponents().addResponse(name, response));
        if (openAPI.getPaths() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (path.startsWith("/api/")) {
                item.getOperations().forEach((method, operation) -> addCommon(method, operation));
            }
        });
    }

    private static void addCommon(PathItem.HttpMethod method, Operation operation) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        addIfAbsent(operation, "400", BAD_REQUEST);
        addIfAbsent(operation, "401", UNAUTHORIZED);
        addIfAbsent(operation, "403", FORBIDDEN);
        if (operation.getRequestBody() != null) {
            addIfAbsent(operation, "413", CONTENT_TOO_LARGE);
        }
        addIfAbsent(operation, "503", SERVICE_UNAVAILABLE);
    }

    /** Also over Quarkus' own bare 401/403 (no body described), which the security extension adds first. */
    private static void addIfAbsent(Operation operation, String status, String name) {
        APIResponse existing = operation.getResponses().getAPIResponse(status);
        if (existing == null || existing.getRef() == null && existing.getContent() == null) {
            operation.getResponses().addAPIResponse(status, OASFactory.createAPIResponse().ref(REFS + name));
        }
    }

    private static Map<String, APIResponse> responses() {
        Header retryAfter = OASFactory.createHeader().description("Seconds to wait before sending the same request again.")
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER));
        Header challenge = OASFactory.createHeader().description("Always `Bearer`.")
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING));
        Map<String, APIResponse> responses = new LinkedHashMap<>(); // in status order, so the stored documents are stable
        responses.put(BAD_REQUEST, problem("The request is malformed: a body that is not the expected JSON (with the path of the bad"
                + " field), a wrong type, a missing or invalid value, or an account id that is not one."));
        responses.put(UNAUTHORIZED, problem("No valid bearer token: missing, expired, or not issued for this system.")
                .addHeader("WWW-Authenticate", challenge));
        responses.put(FORBIDDEN, problem("The token may not act for this account, or its roles do not allow this call."));
        responses.put(NOT_FOUND, problem("What the path names does not exist."));
        responses.put(CONFLICT, problem("The account is not in a state that allows this call (see the operation's description)."));
        responses.put(CONTENT_TOO_LARGE, problem("The request body is larger than this service accepts."));
        responses.put(UNPROCESSABLE, problem("The request is well-formed but cannot be carried out (see the operation)."));
        responses.put(TOO_MANY_REQUESTS, problem("The account's rate limit for this operation is spent.")
                .addHeader("Retry-After", retryAfter));
        responses.put(BAD_GATEWAY, problem("Klaviyo refused what this call asked of it; nothing was stored."));
        responses.put(SERVICE_UNAVAILABLE, problem("Temporarily unavailable (the database or broker away, or the account busy):"
                + " nothing of the request was kept; send the same request again after Retry-After.")
                .addHeader("Retry-After", retryAfter));
        return responses;
    }

    private static APIResponse problem(String description) {
        return OASFactory.createAPIResponse().description(description).content(OASFactory.createContent()
                .addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType()
                        .schema(OASFactory.createSchema().ref("#/components/schemas/" + PROBLEM_SCHEMA))));
    }

    private static Schema problemSchema() {
        Schema itemError = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("One refused item of a request that carried several.")
                .addProperty("index", integer()).addProperty("pointer", string(null)).addProperty("reason", string(null));
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details (application/problem+json).")
                .addProperty("type", string("A URI naming the kind of problem; about:blank when the status says it all."))
                .addProperty("title", string(null))
                .addProperty("status", integer())
                .addProperty("detail", string("What went wrong with this request, for a person."))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(itemError))
                .addRequired("type").addRequired("title").addRequired("status");
    }

    private static Schema string(String description) {
        return OASFactory.createSchema().addType(Schema.SchemaType.STRING).description(description);
    }

    private static Schema integer() {
        return OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32");
    }
}
