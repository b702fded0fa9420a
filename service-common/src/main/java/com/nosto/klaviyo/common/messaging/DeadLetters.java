package com.nosto.klaviyo.common.messaging;

import com.nosto.klaviyo.common.logging.Emails;
import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The one way a service writes a {@link DeadLetter}: for a record that is itself bad, keyed like the source
 * record, cut to fit ({@link DeadLetter#of}), its reason with every email pseudonymised (G15: the reason is shown
 * and logged; the payload keeps the record as it came, for a redrive), logged with where it came from and why (never
 * the payload), and sent until the broker takes it (an unreachable broker is waited out: the source record is
 * acknowledged only after its dead letter is written). Each service makes one, with its own emitter.
 */
public final class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final String service;
    private final MutinyEmitter<String> emitter;
    private final Outages outages;
    private final Clock clock;

    public DeadLetters(String service, MutinyEmitter<String> emitter, Outages outages, Clock clock) {
        this.service = service;
        this.emitter = emitter;
        this.outages = outages;
        this.clock = clock;
    }

    public Uni<Void> send(ConsumerRecord<String, String> record, String errorType, String reason) {
        return send(record.topic(), record.partition(), record.offset(), record.key(), record.value(), errorType, reason);
    }

    /** @param value the source record's value as text (null for a null value) */
    public Uni<Void> send(String topic, Integer partition, Long offset, String key, String value, String errorType, String reason) {
        DeadLetter letter = DeadLetter.of(service, topic, partition, offset, key, value, errorType, Emails.redact(reason),
                clock.instant());
        LogContext.account(accountOf(key)).run(() -> LOG.warnf("Dead-lettering %s-%s@%s (%s%s): %s", topic, partition, offset,
                errorType, letter.payloadTruncated() ? ", payload cut to fit" : "", letter.reason()));
        String json = EventJson.write(letter);
        return outages.untilDone(service + " dead letters", () -> emitter.sendMessage(Message.of(json)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(letter.key()).build())));
    }

    /** The account of a record keyed {@code accountId|email}, for the log context; null for a key of another shape. */
    static String accountOf(String key) {
        int bar = key == null ? -1 : key.indexOf('|');
        if (bar <= 0 || bar > 64) {
            return null;
        }
        String account = key.substring(0, bar);
        return account.indexOf('@') >= 0 || account.chars().anyMatch(c -> c < 0x21 || c > 0x7e) ? null : account;
    }
}
