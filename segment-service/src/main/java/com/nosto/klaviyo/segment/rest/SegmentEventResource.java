package com.nosto.klaviyo.segment.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.common.outage.Failures;
import com.nosto.klaviyo.common.rest.Problem;
import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.EventReader;
import com.nosto.klaviyo.segment.domain.EventValidator;
import com.nosto.klaviyo.segment.domain.IngestBatch;
import com.nosto.klaviyo.segment.service.SegmentEventIngest;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/accounts/{accountId}/segment-events}: a JSON array of segment events, validated
 * item by item exactly as the Kafka consumer does. Valid items are applied (in one transaction, in the
 * order given) even when others are refused. The answer:
 * <ul>
 *   <li>every item accepted: {@code 202} {@link IngestResult};</li>
 *   <li>some accepted, some refused: {@code 422} {@link RejectedEvents} problem ({@code accepted} &gt; 0: those
 *       were applied and need not be sent again; sending them again is harmless, an event is idempotent);</li>
 *   <li>none accepted: {@code 400} {@link RejectedEvents} problem ({@code accepted} = 0);</li>
 *   <li>not JSON, not an array, too many items: {@code 400} problem, nothing applied;</li>
 *   <li>the database unreachable: {@code 503} problem with {@code Retry-After} (service-common's mapper), nothing
 *       applied: send the request again.</li>
 * </ul>
 * A response that lists refused items is therefore always {@code application/problem+json} and never 2xx,
 * so a client that only looks at the status cannot take a partly refused batch for a success.
 */
@Path("/api/accounts/{accountId}/segment-events")
@Authenticated
@Consumes(MediaType.APPLICATION_JSON)
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Tag(name = "Segment events")
public class SegmentEventResource {

    /** Problem type of {@link RejectedEvents} (an identifier; documented in docs/segment-service.md). */
    public static final String REJECTED_TYPE = "https://nosto-klaviyo-sync.local/problems/segment-events-rejected";
    /** Status when some items were refused and the others accepted. */
    public static final int SOME_REJECTED = 422;

    /** 202 body: every item was accepted (applied, or ignored as stale); {@code rejected} is 0, {@code errors} empty. */
    public record IngestResult(int accepted, int stale, int rejected, List<ItemError> errors) {
    }

    /**
     * One refused item: its {@code index} in the array, the top-level {@code field} of the item at fault (absent
     * when the item as a whole is wrong, e.g. not an object), the JSON {@code pointer} into the request body and
     * the {@code reason}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ItemError(int index, String field, String pointer, String reason) {
        static ItemError of(int index, String itemPointer, String reason) {
            String p = itemPointer == null ? "" : itemPointer;
            String field = p.length() > 1 ? p.substring(1).split("/", 2)[0] : null;
            return new ItemError(index, field, "/" + index + p, reason);
        }
    }

    /**
     * RFC 9457 problem details for a request with refused items, extended with {@code accepted} (items applied or
     * ignored as stale), {@code stale}, {@code rejected} and {@code errors} (every refused item, by index).
     */
    public record RejectedEvents(String type, String title, int status, String detail, int accepted, int stale,
            int rejected, List<ItemError> errors) {

        static RejectedEvents of(int accepted, int stale, List<ItemError> errors) {
            if (accepted == 0) {
                return new RejectedEvents(REJECTED_TYPE, "Segment events rejected", 400,
                        "No event was accepted: all " + errors.size() + " are invalid.", 0, 0, errors.size(), errors);
            }
            return new RejectedEvents(REJECTED_TYPE, "Some segment events were rejected", SOME_REJECTED,
                    errors.size() + " of " + (accepted + errors.size()) + " events were rejected and not applied; the "
                            + accepted + " accepted need not be sent again.", accepted, stale, errors.size(), errors);
        }

        Response toResponse() {
            return Response.status(status).type(Problem.MEDIA_TYPE).entity(this).build();
        }
    }

    /** A valid item and its index in the request. */
    private record Item(int index, SegmentEvent event) {
    }

    private final SegmentEventIngest ingest;
    private final SegmentServiceConfig config;
    private final Tracing tracing;

    public SegmentEventResource(SegmentEventIngest ingest, SegmentServiceConfig config, Tracing tracing) {
        this.ingest = ingest;
        this.config = config;
        this.tracing = tracing;
    }

    @POST
    @Operation(summary = "Publish segment events", description = "A JSON array of segment events (the schema of the"
            + " segment-events topic, events/src/main/resources/schemas/segment-event.schema.json), validated item by item"
            + " like the Kafka consumer does. Valid items are applied in one transaction, in the order given, even when"
            + " others are refused; sending an event again is harmless.")
    @APIResponse(responseCode = "202", description = "Every item was accepted (applied, or ignored as stale).",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = IngestResult.class)))
    @APIResponse(responseCode = "400", description = "Nothing applied: no item was accepted (a RejectedEvents problem listing"
            + " every item's reason), or the body is not a JSON array, or it has too many items (a plain problem).",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = RejectedEvents.class)))
    @APIResponse(responseCode = "422", description = "Some items were refused, the others applied: the refused ones by index;"
            + " those accepted need not be sent again.",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = RejectedEvents.class)))
    public Uni<Response> ingest(@PathParam("accountId") String accountId,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(
                    type = SchemaType.ARRAY, implementation = SegmentEvent.class))) String text) {
        // Parsed here rather than by the framework so a malformed body gets a reason, like a Kafka record does.
        JsonNode body;
        try {
            body = text == null || text.isBlank() ? null : EventJson.read(text, JsonNode.class);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(Problem.response(Response.Status.BAD_REQUEST, "Bad request body",
                    "Malformed JSON: " + e.getMessage()));
        }
        if (body == null || !body.isArray()) {
            return Uni.createFrom().item(Problem.response(Response.Status.BAD_REQUEST, "Bad request body",
                    "The body must be a JSON array of segment events."));
        }
        int max = config.ingest().maxBatchSize();
        if (body.size() > max) {
            return Uni.createFrom().item(Problem.response(Response.Status.BAD_REQUEST, "Too many events",
                    "At most " + max + " events a request; got " + body.size() + "."));
        }
        List<ItemError> errors = new ArrayList<>();
        List<Item> valid = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            JsonNode item = body.get(i);
            // The path names the account; an item may omit it but may not name another.
            if (item.isObject() && !item.has("accountId")) {
                ((ObjectNode) item).put("accountId", accountId);
            }
            EventReader.Read read = EventReader.fromTree(item);
            if (!read.ok()) {
                errors.add(ItemError.of(i, read.pointer(), read.reason()));
                continue;
            }
            if (!accountId.equals(read.event().accountId())) {
                errors.add(ItemError.of(i, "/accountId", "accountId differs from the path's account"));
                continue;
            }
            EventValidator.Result result = ingest.validate(read.event());
            if (!result.valid()) {
                errors.add(ItemError.of(i, result.violation().pointer(), result.violation().reason()));
                continue;
            }
            valid.add(new Item(i, result.event()));
        }
        errors.forEach(e -> ingest.rejected(SegmentMetrics.Source.REST));
        if (valid.isEmpty() && !errors.isEmpty()) {
            return Uni.createFrom().item(RejectedEvents.of(0, 0, errors).toResponse());
        }
        // One transaction, items in the order given (events of one contact apply in that order). An outage fails it
        // whole (503, nothing kept); an item the database refuses is isolated by applying the items one by one.
        // Every item's changes are published in this request's trace (its server span; null with tracing off).
        String trace = tracing.current();
        List<String> traces = trace == null ? null : Collections.nCopies(valid.size(), trace);
        return ingest.applyAll(valid.stream().map(Item::event).toList(), traces, SegmentMetrics.Source.REST)
                .onFailure(Failures::isRecordProblem).recoverWithUni(e -> oneByOne(valid, errors, trace))
                .map(results -> {
                    int accepted = (int) results.stream().filter(r -> r != null).count();
                    int stale = (int) results.stream().filter(r -> r == IngestBatch.Result.STALE).count();
                    if (!errors.isEmpty()) {
                        errors.sort(Comparator.comparingInt(ItemError::index));
                        return RejectedEvents.of(accepted, stale, errors).toResponse();
                    }
                    return Response.accepted(new IngestResult(accepted, stale, 0, List.of()))
                            .type(MediaType.APPLICATION_JSON).build();
                });
    }

    /** Each item in a transaction of its own; one the database refuses is reported (null result), the others applied. */
    private Uni<List<IngestBatch.Result>> oneByOne(List<Item> valid, List<ItemError> errors, String trace) {
        List<String> traces = trace == null ? null : List.of(trace);
        return Multi.createFrom().iterable(valid)
                .onItem().transformToUniAndConcatenate(item -> ingest.applyAll(List.of(item.event()), traces, SegmentMetrics.Source.REST)
                        .map(results -> results.get(0))
                        .onFailure(Failures::isRecordProblem).recoverWithItem(e -> {
                            ingest.rejected(SegmentMetrics.Source.REST);
                            errors.add(ItemError.of(item.index(), "", "could not be stored: " + Failures.describe(e)));
                            return null;
                        }))
                .collect().asList();
    }
}
