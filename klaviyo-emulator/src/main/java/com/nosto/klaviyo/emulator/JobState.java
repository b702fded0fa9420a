package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Mutable bulk import job state inside an account; guarded by the account's lock. */
final class JobState {

    final String id;
    String status = "queued";
    final Instant createdAt;
    Instant startedAt;
    Instant completedAt;
    /** The submitted profiles until the job completes; then dropped to free memory (the count stays). */
    final List<JsonNode> profiles;
    final int total;
    final String listId;
    /** Imported profile ids in import order (a set: a job of 10,000 checks each id against it). */
    final LinkedHashSet<String> profileIds = new LinkedHashSet<>();
    final List<BulkImportJob.ImportError> errors = new ArrayList<>();
    int completed;
    int failed;

    JobState(String id, Instant createdAt, List<JsonNode> profiles, String listId) {
        this.id = id;
        this.createdAt = createdAt;
        this.profiles = new ArrayList<>(profiles);
        this.total = profiles.size();
        this.listId = listId;
    }

    BulkImportJob snapshot() {
        return new BulkImportJob(id, status, total, completed, failed, listId, List.copyOf(profileIds), List.copyOf(errors),
                createdAt, completedAt);
    }
}
