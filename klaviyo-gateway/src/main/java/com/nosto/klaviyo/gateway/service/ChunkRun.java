package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import io.smallrye.mutiny.Uni;
import java.util.Objects;

/**
 * What one chunk's execution needs and accumulates: whose key, which list, the counts and row outcomes. The upsert
 * and leaving steps (and bulk jobs within them) run concurrently: the result is thread-safe, the list is guarded by
 * {@code this}.
 */
final class ChunkRun {

    final String accountId;
    final KlaviyoCredentials cred;
    final String listName;
    final BatchResult result = new BatchResult();
    private String listId;
    private String recreatedFrom;
    private Uni<Void> recreation;

    ChunkRun(KlaviyoCredentials cred, String listId, String listName) {
        this.accountId = cred.accountId();
        this.cred = cred;
        this.listId = listId;
        this.listName = listName;
    }

    synchronized String listId() {
        return listId;
    }

    synchronized void listId(String id) {
        listId = id;
    }

    /** A 404 for {@code vanished} may still be answered by (one) re-creation of the list. */
    synchronized boolean mayRecreate(String vanished) {
        return recreation == null || Objects.equals(recreatedFrom, vanished) || !Objects.equals(vanished, listId);
    }

    /**
     * The list {@code vanished}: the re-creation to wait for. Concurrent steps that saw the same list vanish share the
     * one re-creation; a step that still used the old id after it was replaced just goes on with the new one; a list
     * that vanishes again after its re-creation fails the chunk.
     */
    synchronized Uni<Void> recreation(String vanished, java.util.function.Supplier<Uni<Void>> recreate) {
        if (recreation != null && Objects.equals(recreatedFrom, vanished)) {
            return recreation;
        }
        if (recreation != null && vanished != null && !vanished.equals(listId)) {
            return Uni.createFrom().voidItem();
        }
        if (recreation != null) {
            return Uni.createFrom().failure(new com.nosto.klaviyo.gateway.client.KlaviyoRejectedException(
                    "list " + vanished + " vanished again after re-creation"));
        }
        recreatedFrom = vanished;
        recreation = recreate.get().memoize().indefinitely();
        return recreation;
    }
}
