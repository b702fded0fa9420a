package com.nosto.klaviyo.emulator;

import java.time.Instant;
import java.util.List;

/** A snapshot of a bulk profile import job. {@code listId} is null when the job named no list. */
public record BulkImportJob(String id, String status, int totalCount, int completedCount, int failedCount, String listId,
                            List<String> profileIds, List<ImportError> errors, Instant createdAt, Instant completedAt) {

    /** One failed row: {@code pointer} names the profile's index in the submitted job. */
    public record ImportError(String id, String code, String title, String detail, String pointer, Object originalPayload) {
    }
}
