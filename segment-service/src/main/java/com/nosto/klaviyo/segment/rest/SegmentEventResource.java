package com.nosto.klaviyo.segment.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.common.rest.Problem;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.EventReader;
import com.nosto.klaviyo.segment.domain.EventValidator;
import com.nosto.klaviyo.segment.service.MembershipService;
import com.nosto.klaviyo.segment.service.SegmentEventIngest;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /api/accounts/{accountId}/segment-events}: a JSON array of segment events, validated
 * item by item exactly as the Kafka consumer does. Valid items are applied (each in its own
 * transaction) even when others are refused; refused ones are listed by index with the reason.
 */
@Path("/api/accounts/{accountId}/segment-events")
@Consumes(MediaType.APPLICATION_JSON)
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
public class SegmentEventResource {

    /** 202 body: how many items were accepted (applied or ignored as stale) and which were refused. */
    public record IngestResult(int accepted, int stale, int rejected, List<Problem.ItemError> errors) {
    }

    @Inject
    SegmentEventIngest ingest;
    @Inject
    SegmentServiceConfig config;

    @POST
    public Uni<Response> ingest(@PathParam("accountId") String accountId, String text) {
        // Parsed here rather than by the framework so a malformed body gets a reason, like a Kafka record does.
        JsonNode body;
        try {
            body = text == null || text.isBlank() ? null : EventJson.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().item(Problem.response(Response.Status.BAD_REQUEST, "Bad request body",
                    "Malformed JSON: " + e.getOriginalMessage()));
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
        List<Problem.ItemError> errors = new ArrayList<>();
        List<SegmentEvent> valid = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            JsonNode item = body.get(i);
            // The path names the account; an item may omit it but may not name another.
            if (item.isObject() && !item.has("accountId")) {
                ((ObjectNode) item).put("accountId", accountId);
            }
            EventReader.Read read = EventReader.fromTree(item);
            if (!read.ok()) {
                errors.add(new Problem.ItemError(i, "/" + i + read.pointer(), read.reason()));
                continue;
            }
            if (!accountId.equals(read.event().accountId())) {
                errors.add(new Problem.ItemError(i, "/" + i + "/accountId", "accountId differs from the path's account"));
                continue;
            }
            EventValidator.Result result = ingest.validate(read.event());
            if (!result.valid()) {
                errors.add(new Problem.ItemError(i, "/" + i + result.violation().pointer(), result.violation().reason()));
                continue;
            }
            valid.add(result.event());
        }
        errors.forEach(e -> ingest.rejected(SegmentMetrics.Source.REST));
        if (valid.isEmpty() && !errors.isEmpty()) {
            return Uni.createFrom().item(new Problem("about:blank", "Invalid segment events", 400,
                    "No event was accepted: " + errors.size() + " invalid.", errors).toResponse());
        }
        // One after another: events of one request about one contact apply in the order given.
        return Multi.createFrom().iterable(valid)
                .onItem().transformToUniAndConcatenate(e -> ingest.apply(e, SegmentMetrics.Source.REST))
                .collect().asList()
                .map(results -> {
                    int stale = (int) results.stream().filter(r -> r == MembershipService.Result.STALE).count();
                    return Response.accepted(new IngestResult(valid.size(), stale, errors.size(), errors))
                            .type(MediaType.APPLICATION_JSON).build();
                });
    }
}
