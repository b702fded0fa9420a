package com.nosto.klaviyo.ops.redrive;

import com.nosto.klaviyo.ops.redrive.domain.Skip;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a redrive did: every dead letter read is counted once, as not matched, skipped (and why), published or failed. */
public final class RedriveReport {

    private final boolean dryRun;
    private final String filter;
    private final Map<String, String> snapshot = new TreeMap<>();
    private long read;
    private long matched;
    private long published;
    private long failed;
    private final Map<Skip, Long> skipped = new EnumMap<>(Skip.class);
    private final Map<String, Long> publishedByTopic = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    RedriveReport(boolean dryRun, String filter) {
        this.dryRun = dryRun;
        this.filter = filter;
    }

    void snapshot(String partition, long from, long to) {
        snapshot.put(partition, from + ".." + to);
    }

    void countRead() {
        read++;
    }

    void countMatched() {
        matched++;
    }

    void countSkipped(Skip why) {
        skipped.merge(why, 1L, Long::sum);
    }

    /** A record that is (or, in a dry run, would be) published. */
    synchronized void countPublished(String topic) {
        published++;
        publishedByTopic.merge(topic, 1L, Long::sum);
    }

    synchronized void countFailed(String what) {
        failed++;
        failures.add(what);
    }

    public boolean dryRun() {
        return dryRun;
    }

    /** Records read from the dead-letter topics (the snapshot taken at start). */
    public long read() {
        return read;
    }

    /** Dead letters that passed the filters. */
    public long matched() {
        return matched;
    }

    /** Acknowledged by the broker; in a dry run, the number that would be published. */
    public synchronized long published() {
        return published;
    }

    public synchronized long failed() {
        return failed;
    }

    public Map<Skip, Long> skipped() {
        return Collections.unmodifiableMap(skipped);
    }

    public long skippedTotal() {
        return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    public synchronized Map<String, Long> publishedByTopic() {
        return Map.copyOf(publishedByTopic);
    }

    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(dryRun ? "DRY RUN: nothing was published\n" : "");
        s.append("snapshot (partition offsets read): ").append(snapshot).append('\n');
        s.append("filters:   ").append(filter).append('\n');
        s.append("read:      ").append(read).append('\n');
        s.append("matched:   ").append(matched).append('\n');
        s.append(dryRun ? "would publish: " : "published: ").append(published).append(' ').append(publishedByTopic).append('\n');
        s.append("skipped:   ").append(skippedTotal()).append('\n');
        skipped.forEach((why, n) -> s.append("  ").append(n).append("  ").append(why.name()).append(": ").append(why.description()).append('\n'));
        s.append("failed:    ").append(failed).append('\n');
        failures.forEach(f -> s.append("  ").append(f).append('\n'));
        return s.toString();
    }
}
