package com.nosto.klaviyo.worker.messaging;

import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The source partitions this instance's consumer holds right now. Releases cover exactly these
 * partitions' contacts, so instances sharing the topic split the releases the way Kafka split the
 * partitions: no leader, no other coordination.
 */
@Singleton
public class PartitionOwnership {

    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();

    public void assigned(Collection<Integer> partitions) {
        owned.addAll(partitions);
    }

    public void revoked(Collection<Integer> partitions) {
        owned.removeAll(partitions);
    }

    /** A snapshot; a partition revoked during a release is still safe: rows are locked and re-checked. */
    public Set<Integer> owned() {
        return new TreeSet<>(owned);
    }
}
