package com.nosto.klaviyo.emulator;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Every Klaviyo API call the emulator answered, newest last, bounded by count and by the size of the request bodies
 * kept (bulk jobs are megabytes each; a long local run must not run out of heap): past the budget, the oldest calls
 * lose their body first. Thread-safe.
 */
public final class CallLog {

    /** Characters of request bodies kept in total (about 32 MB of heap). */
    static final long DEFAULT_BODY_BUDGET = 16L * 1024 * 1024;

    private final int capacity;
    private final long bodyBudget;
    private final LinkedList<Call> calls = new LinkedList<>();
    private long bodyChars;

    CallLog(int capacity) {
        this(capacity, DEFAULT_BODY_BUDGET);
    }

    CallLog(int capacity, long bodyBudget) {
        this.capacity = capacity;
        this.bodyBudget = bodyBudget;
    }

    synchronized void add(Call call) {
        calls.addLast(call);
        bodyChars += length(call);
        while (calls.size() > capacity) {
            bodyChars -= length(calls.removeFirst());
        }
        ListIterator<Call> it = calls.listIterator();
        while (bodyChars > bodyBudget && it.hasNext()) {
            Call c = it.next();
            if (c.requestBody() != null) {
                bodyChars -= length(c);
                it.set(new Call(c.at(), c.apiKey(), c.method(), c.path(), c.query(), c.operationId(), c.status(), c.durationMillis(),
                        null, c.injected()));
            }
        }
    }

    private static long length(Call c) {
        return c.requestBody() == null ? 0 : c.requestBody().length();
    }

    public synchronized List<Call> all() {
        return new ArrayList<>(calls);
    }

    public List<Call> matching(Predicate<Call> predicate) {
        return all().stream().filter(predicate).toList();
    }

    /** Calls with this method (null = any) whose path starts with {@code pathPrefix}. */
    public long count(String method, String pathPrefix) {
        return all().stream().filter(c -> (method == null || method.equalsIgnoreCase(c.method())) && c.path().startsWith(pathPrefix)).count();
    }

    /** Calls that could change state: anything but GET/HEAD/OPTIONS. */
    public List<Call> writeCalls() {
        return matching(Call::isWrite);
    }

    public List<Call> forKey(String apiKey) {
        return matching(c -> apiKey.equals(c.apiKey()));
    }

    /**
     * Calls made with this key that could change state ({@link Call#isWrite()}), whatever they were answered (a
     * throttled or failed write was still attempted): a test asserts an audit made none.
     */
    public List<Call> writes(String apiKey) {
        return matching(c -> apiKey.equals(c.apiKey()) && c.isWrite());
    }

    /** Calls made with this key that only read (GET), whatever they were answered. */
    public List<Call> reads(String apiKey) {
        return matching(c -> apiKey.equals(c.apiKey()) && !c.isWrite());
    }

    /** Counts by "operationId" (or "METHOD path" when unknown) and then by status. */
    public Map<String, Map<Integer, Long>> countsByEndpointAndStatus() {
        return countsByEndpointAndStatus(all());
    }

    static Map<String, Map<Integer, Long>> countsByEndpointAndStatus(List<Call> calls) {
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        for (Call c : calls) {
            String endpoint = c.operationId() != null ? c.operationId() : c.method() + " " + c.path();
            out.computeIfAbsent(endpoint, k -> new TreeMap<>()).merge(c.status(), 1L, Long::sum);
        }
        return out;
    }

    public synchronized void clear() {
        calls.clear();
        bodyChars = 0;
    }
}
