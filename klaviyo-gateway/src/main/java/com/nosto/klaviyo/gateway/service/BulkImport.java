package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoClient.BulkProfile;
import com.nosto.klaviyo.gateway.client.KlaviyoResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * One bulk import job, end to end: submitted (with the chunk's list attached when it upserts), a request refused for
 * invalid rows resubmitted once without them, a vanished list re-created, and the job followed to completion
 * ({@link BulkJobFollower}).
 */
@ApplicationScoped
public class BulkImport {

    private static final Logger LOG = Logger.getLogger(BulkImport.class);

    private final KlaviyoClient klaviyo;
    private final BulkJobFollower jobs;
    private final ListService lists;

    public BulkImport(KlaviyoClient klaviyo, BulkJobFollower jobs, ListService lists) {
        this.klaviyo = klaviyo;
        this.jobs = jobs;
        this.lists = lists;
    }

    /**
     * Submits one job and follows it to completion. Returns, per email, the row's error (absent = ok). A request
     * rejected for invalid rows (400 with pointers) is resubmitted once without them.
     */
    Uni<Map<String, String>> run(ChunkRun run, List<BulkProfile> profiles, List<String> emails, boolean mayResubmit, boolean withList) {
        run.result.wrote();
        String listId = withList ? run.listId() : null;
        return klaviyo.createBulkImportJob(run.cred, profiles, listId).chain(r -> {
            if (r.ok() && r.dataId() != null) {
                return jobs.follow(run.cred, r.dataId(), emails);
            }
            if (withList && r.listGone() && run.mayRecreate(listId)) {
                return lists.recreate(run, listId).chain(() -> run(run, profiles, emails, mayResubmit, true));
            }
            Map<String, String> rejected = new LinkedHashMap<>();
            for (KlaviyoResponse.ApiError e : r.errors()) {
                Integer index = BulkJobFollower.profileIndex(e.pointer());
                if (index != null && index < emails.size()) {
                    rejected.merge(emails.get(index), e.code() + ": " + e.detail(), (a, b) -> a + "; " + b);
                }
            }
            if (r.outcome() == KlaviyoResponse.Outcome.INVALID && mayResubmit && !rejected.isEmpty() && rejected.size() < emails.size()) {
                List<BulkProfile> rest = new ArrayList<>();
                List<String> restEmails = new ArrayList<>();
                for (int i = 0; i < emails.size(); i++) {
                    if (!rejected.containsKey(emails.get(i))) {
                        rest.add(profiles.get(i));
                        restEmails.add(emails.get(i));
                    }
                }
                LOG.infof("Bulk job of account %s rejected for %d invalid profile(s); resubmitting the other %d once",
                        run.accountId, rejected.size(), rest.size());
                return run(run, rest, restEmails, false, withList).map(second -> {
                    Map<String, String> all = new HashMap<>(second);
                    all.putAll(rejected);
                    return all;
                });
            }
            Map<String, String> all = new HashMap<>();
            String why = r.describe();
            emails.forEach(e -> all.put(e, rejected.getOrDefault(e, why)));
            return Uni.createFrom().item(all);
        });
    }
}
