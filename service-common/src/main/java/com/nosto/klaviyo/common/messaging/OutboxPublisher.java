package com.nosto.klaviyo.common.messaging;

import com.nosto.klaviyo.common.tracing.Traceparent;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The one way an outbox relay hands rows to Kafka: send every row, keyed, in order (the producer batches them; an
 * idempotent producer keeps one key's records in order within its partition), wait for the broker's answers, and
 * say how many rows from the start were acknowledged. The caller marks or deletes exactly those: a row after a
 * failed one is sent again in the next round, after it, so one key's records never go out of order.
 *
 * <p>A row that stored a trace context (a W3C traceparent) is sent continuing it: SmallRye's Kafka instrumentation
 * starts its publish span under that context and writes the record's {@code traceparent} header from it.
 */
public final class OutboxPublisher {

    private OutboxPublisher() {
    }

    /**
     * @return how many of {@code rows}, counted from the first, the broker acknowledged (all of them, or up to the
     *         first that failed or had no answer within {@code timeout})
     */
    public static <T> Uni<Integer> publish(MutinyEmitter<String> emitter, List<T> rows, Function<T, String> key,
            Function<T, String> payload, Duration timeout) {
        return publish(emitter, rows, key, payload, row -> null, timeout);
    }

    /** As above; {@code trace} gives a row's stored traceparent, or null (the publish span then starts a trace of its own). */
    public static <T> Uni<Integer> publish(MutinyEmitter<String> emitter, List<T> rows, Function<T, String> key,
            Function<T, String> payload, Function<T, String> trace, Duration timeout) {
        if (rows.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return Uni.createFrom().deferred(() -> {
            List<CompletableFuture<Void>> acks = new ArrayList<>(rows.size());
            for (T row : rows) {
                Message<String> message = Message.of(payload.apply(row))
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key.apply(row)).build());
                Context parent = Traceparent.context(trace.apply(row));
                if (parent != null) {
                    message = message.addMetadata(TracingMetadata.withCurrent(parent));
                }
                // Subscribing sends: in row order. One timer for the round (below), not one per row.
                acks.add(emitter.sendMessage(message).subscribeAsCompletionStage());
            }
            return Uni.createFrom().completionStage(CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)))
                    .onFailure().recoverWithNull()
                    .ifNoItem().after(timeout).recoverWithItem((Void) null)
                    .map(x -> acknowledgedPrefix(acks));
        });
    }

    /** Rows from the first whose send the broker acknowledged, up to the first failed or still unanswered one. */
    private static int acknowledgedPrefix(List<CompletableFuture<Void>> acks) {
        int acknowledged = 0;
        while (acknowledged < acks.size() && acks.get(acknowledged).isDone() && !acks.get(acknowledged).isCompletedExceptionally()) {
            acknowledged++;
        }
        return acknowledged;
    }
}
