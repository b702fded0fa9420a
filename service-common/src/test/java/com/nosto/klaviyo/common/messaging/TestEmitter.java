package com.nosto.klaviyo.common.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** A MutinyEmitter whose answer to each message a test decides (the broker's side of the seam). */
abstract class TestEmitter implements MutinyEmitter<String> {

    abstract Uni<Void> answer(String key, String payload);

    @Override
    @SuppressWarnings("unchecked")
    public <M extends Message<? extends String>> Uni<Void> sendMessage(M message) {
        String key = message.getMetadata(OutgoingKafkaRecordMetadata.class).map(m -> (String) m.getKey()).orElse(null);
        return Uni.createFrom().deferred(() -> answer(key, message.getPayload()));
    }

    @Override
    public Uni<Void> send(String payload) {
        return answer(null, payload);
    }

    @Override
    public void sendAndAwait(String payload) {
        send(payload).await().indefinitely();
    }

    @Override
    public io.smallrye.mutiny.subscription.Cancellable sendAndForget(String payload) {
        return send(payload).subscribe().with(x -> { }, e -> { });
    }

    @Override
    public <M extends Message<? extends String>> void send(M msg) {
        sendMessageAndForget(msg);
    }

    @Override
    public <M extends Message<? extends String>> void sendMessageAndAwait(M msg) {
        sendMessage(msg).await().indefinitely();
    }

    @Override
    public <M extends Message<? extends String>> io.smallrye.mutiny.subscription.Cancellable sendMessageAndForget(M msg) {
        return sendMessage(msg).subscribe().with(x -> { }, e -> { });
    }

    @Override
    public void complete() {
    }

    @Override
    public void error(Exception e) {
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public boolean hasRequests() {
        return true;
    }
}
