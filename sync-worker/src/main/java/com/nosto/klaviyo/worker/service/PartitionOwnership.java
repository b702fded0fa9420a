package com.nosto.klaviyo.worker.service;

import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The source partitions this instance's consumer holds right now, as the Kafka group assigned them (fed by the
 * consumer's rebalance listener). The release loop releases exactly these partitions' contacts, so instances
 * sharing the topic split the releases the way Kafka split the partitions: no leader, no other coordination.
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

    /**
     * A snapshot. During a rebalance the old and the new owner can both hold a partition for a moment; each release
     * page and each window end takes the (account, partition) lock, so they never release the same window at once.
     */
    public Set<Integer> owned() {
        return new TreeSet<>(owned);
    }
}
