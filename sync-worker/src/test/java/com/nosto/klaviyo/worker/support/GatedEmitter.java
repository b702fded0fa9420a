package com.nosto.klaviyo.worker.support;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.MutinyEmitter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * An emitter in front of the real one that holds every message until {@link #open()}, then forwards the held ones
 * in the order they were sent, and later ones at once: a relay whose broker is slow to answer, held mid-publish.
 */
public final class GatedEmitter implements MutinyEmitter<String> {

    private record Held(Message<? extends String> message, CompletableFuture<Void> acked) {
    }

    private final MutinyEmitter<String> delegate;
    private final List<Held> held = new ArrayList<>();
    private boolean open;

    public GatedEmitter(MutinyEmitter<String> delegate) {
        this.delegate = delegate;
    }

    public synchronized int held() {
        return held.size();
    }

    public synchronized void open() {
        open = true;
        for (Held h : held) {
            delegate.sendMessage(h.message()).subscribe().with(x -> h.acked().complete(null), h.acked()::completeExceptionally);
        }
        held.clear();
    }

    @Override
    public <M extends Message<? extends String>> Uni<Void> sendMessage(M message) {
        return Uni.createFrom().deferred(() -> {
            synchronized (this) {
                if (open) {
                    return delegate.sendMessage(message);
                }
                Held h = new Held(message, new CompletableFuture<>());
                held.add(h);
                return Uni.createFrom().completionStage(h.acked());
            }
        });
    }

    @Override
    public Uni<Void> send(String payload) {
        return sendMessage(Message.of(payload));
    }

    @Override
    public void sendAndAwait(String payload) {
        send(payload).await().indefinitely();
    }

    @Override
    public Cancellable sendAndForget(String payload) {
        return send(payload).subscribe().with(x -> { });
    }

    @Override
    public <M extends Message<? extends String>> void send(M message) {
        sendMessageAndForget(message);
    }

    @Override
    public <M extends Message<? extends String>> void sendMessageAndAwait(M message) {
        sendMessage(message).await().indefinitely();
    }

    @Override
    public <M extends Message<? extends String>> Cancellable sendMessageAndForget(M message) {
        return sendMessage(message).subscribe().with(x -> { });
    }

    @Override
    public void complete() {
        delegate.complete();
    }

    @Override
    public void error(Exception e) {
        delegate.error(e);
    }

    @Override
    public boolean isCancelled() {
        return delegate.isCancelled();
    }

    @Override
    public boolean hasRequests() {
        return delegate.hasRequests();
    }
}
