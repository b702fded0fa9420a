package com.nosto.klaviyo.emulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Every Klaviyo API call the emulator answered, newest last, bounded. Thread-safe. */
public final class CallLog {

    private final int capacity;
    private final Deque<Call> calls = new ArrayDeque<>();

    CallLog(int capacity) {
        this.capacity = capacity;
    }

    synchronized void add(Call call) {
        calls.addLast(call);
        while (calls.size() > capacity) {
            calls.removeFirst();
        }
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

    /** Counts by "operationId" (or "METHOD path" when unknown) and then by status. */
    public Map<String, Map<Integer, Long>> countsByEndpointAndStatus() {
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        for (Call c : all()) {
            String endpoint = c.operationId() != null ? c.operationId() : c.method() + " " + c.path();
            out.computeIfAbsent(endpoint, k -> new TreeMap<>()).merge(c.status(), 1L, Long::sum);
        }
        return out;
    }

    public synchronized void clear() {
        calls.clear();
    }
}
