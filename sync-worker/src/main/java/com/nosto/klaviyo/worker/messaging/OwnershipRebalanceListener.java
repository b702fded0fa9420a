package com.nosto.klaviyo.worker.messaging;

import com.nosto.klaviyo.worker.service.PartitionOwnership;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/** Tells {@link PartitionOwnership} which partitions the consumer group gave this instance. */
@ApplicationScoped
@Identifier(Channels.REBALANCE_LISTENER)
public class OwnershipRebalanceListener implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(OwnershipRebalanceListener.class);

    private final PartitionOwnership ownership;

    public OwnershipRebalanceListener(PartitionOwnership ownership) {
        this.ownership = ownership;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        ownership.assigned(partitions.stream().map(TopicPartition::partition).toList());
        LOG.infof("Partitions assigned %s, now releasing for %s", partitions, ownership.owned());
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        ownership.revoked(partitions.stream().map(TopicPartition::partition).toList());
        LOG.infof("Partitions revoked %s, now releasing for %s", partitions, ownership.owned());
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
    }
}
