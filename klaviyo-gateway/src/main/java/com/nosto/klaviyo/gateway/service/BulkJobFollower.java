package com.nosto.klaviyo.gateway.service;

import static com.nosto.klaviyo.gateway.client.KlaviyoResponse.attributes;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.client.KlaviyoResponse;
import com.nosto.klaviyo.gateway.client.KlaviyoUnavailableException;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.JobPollSchedule;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows a submitted bulk import job to its end ({@link JobPollSchedule} says when to poll) and reads which of
 * its rows failed from {@code import-errors}, all pages. A job still unfinished after {@code job-timeout}, or one
 * that cannot be read, is a transient failure ({@link KlaviyoUnavailableException}): the account waits and its chunk
 * is applied again later, which is idempotent.
 */
@ApplicationScoped
public class BulkJobFollower {

    private static final Pattern PROFILE_INDEX = Pattern.compile("/profiles/data/(\\d+)");

    private final KlaviyoClient klaviyo;
    private final Duration jobTimeout;
    private final JobPollSchedule schedule;

    public BulkJobFollower(KlaviyoClient klaviyo, KlaviyoConfig config) {
        this.klaviyo = klaviyo;
        KlaviyoConfig.Batching b = config.batching();
        this.jobTimeout = b.jobTimeout();
        this.schedule = new JobPollSchedule(b.pollInitialInterval(), b.pollMaxInterval());
    }

    /**
     * Waits for job {@code jobId} of the given credentials' account to finish; returns, per submitted email (in
     * {@code emails}' order, the job's rows), the row's error: absent when the row was imported.
     */
    Uni<Map<String, String>> follow(KlaviyoCredentials cred, String jobId, List<String> emails) {
        Duration first = schedule.firstWait(cred.accountId());
        return awaitJob(cred, jobId, first, first, 1, System.nanoTime(), Instant.now().plus(jobTimeout))
                .chain(job -> importErrors(cred, job, emails));
    }

    private Uni<KlaviyoResponse> awaitJob(KlaviyoCredentials cred, String jobId, Duration wait, Duration first, int polls,
            long submittedNanos, Instant deadline) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(wait).chain(() -> klaviyo.getBulkImportJob(cred, jobId)).chain(r -> {
            if (!r.ok()) {
                throw new KlaviyoUnavailableException("bulk job " + jobId + " unreadable: " + r.describe(), null);
            }
            String status = attributes(r.data()).getString("status", "");
            if ("complete".equals(status) || "cancelled".equals(status)) {
                if ("complete".equals(status)) {
                    schedule.completed(cred.accountId(), first, polls, Duration.ofNanos(System.nanoTime() - submittedNanos));
                }
                return Uni.createFrom().item(r);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new KlaviyoUnavailableException("bulk job " + jobId + " not complete before the deadline", null);
            }
            return awaitJob(cred, jobId, schedule.nextWait(wait, first, polls), first, polls + 1, submittedNanos, deadline);
        });
    }

    /** Reads import-errors of a finished job (all pages) and maps them to the submitted emails. */
    private Uni<Map<String, String>> importErrors(KlaviyoCredentials cred, KlaviyoResponse job, List<String> emails) {
        JsonObject attrs = attributes(job.data());
        String jobId = job.dataId();
        Map<String, String> errors = new HashMap<>();
        if ("cancelled".equals(attrs.getString("status"))) {
            emails.forEach(e -> errors.put(e, "bulk job " + jobId + " was cancelled"));
            return Uni.createFrom().item(errors);
        }
        Integer failed = attrs.getInteger("failed_count");
        if (failed != null && failed == 0) {
            return Uni.createFrom().item(errors);
        }
        Set<String> submitted = new HashSet<>(emails);
        return errorPages(cred, jobId, klaviyo.getBulkImportErrors(cred, jobId), errors, submitted, emails);
    }

    private Uni<Map<String, String>> errorPages(KlaviyoCredentials cred, String jobId, Uni<KlaviyoResponse> page,
            Map<String, String> errors, Set<String> submitted, List<String> emails) {
        return page.chain(r -> {
            if (!r.ok()) {
                throw new KlaviyoUnavailableException("import-errors of job " + jobId + ": " + r.describe(), null);
            }
            r.dataArray().forEach(o -> {
                if (o instanceof JsonObject item) {
                    JsonObject a = attributes(item);
                    String email = errorEmail(a, emails);
                    if (email != null && submitted.contains(email)) {
                        errors.put(email, a.getString("code", "error") + ": " + a.getString("detail", a.getString("title", "")));
                    }
                }
            });
            String next = r.nextLink();
            return next == null ? Uni.createFrom().item(errors)
                    : errorPages(cred, jobId, klaviyo.getBulkImportErrorsPage(cred, jobId, next), errors, submitted, emails);
        });
    }

    /**
     * The submitted email an import error is about: its original payload's email (flat or under
     * {@code attributes}), else the row its source pointer names; null when neither says.
     */
    static String errorEmail(JsonObject attrs, List<String> emails) {
        Object payload = attrs.getValue("original_payload");
        if (payload instanceof JsonObject p) {
            String email = p.getString("email");
            if (email == null && p.getValue("attributes") instanceof JsonObject pa) {
                email = pa.getString("email");
            }
            if (email != null) {
                return ContactKey.normaliseEmail(email);
            }
        }
        JsonObject source = attrs.getValue("source") instanceof JsonObject s ? s : new JsonObject();
        Integer index = profileIndex(source.getString("pointer"));
        return index != null && index < emails.size() ? emails.get(index) : null;
    }

    /** The row a JSON pointer into a bulk request's profiles names ({@code /data/attributes/profiles/data/7} → 7). */
    static Integer profileIndex(String pointer) {
        if (pointer == null) {
            return null;
        }
        Matcher m = PROFILE_INDEX.matcher(pointer);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }
}
