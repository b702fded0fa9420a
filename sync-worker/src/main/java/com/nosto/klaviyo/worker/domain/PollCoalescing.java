package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.MembershipChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds one poll of membership changes into the ledgers of the contacts it touches, in record order,
 * through {@link Coalescing} one change at a time. The result is exactly what storing the changes one
 * transaction each, in the same order, would have stored: per contact the latest version wins (a
 * lower version later in the poll is stale, a redelivered event a duplicate), and only the final
 * ledger of each changed contact needs writing.
 */
public final class PollCoalescing {

    private PollCoalescing() {
    }

    /**
     * One valid change of the poll, the partition it arrived on and the trace context it arrived with (a traceparent,
     * or null).
     */
    public record Change(MembershipChange change, int partition, String trace) {
        public Change(MembershipChange change, int partition) {
            this(change, partition, null);
        }
    }

    /**
     * The final ledger of a contact the poll changed.
     *
     * @param partition the partition of the last change that changed it (it releases the contact)
     * @param stored    whether a ledger row existed before the poll (update) or not (insert)
     * @param trace     the trace context of that last change (null when it had none)
     */
    public record ContactUpdate(ContactKey key, int partition, ContactLedger ledger, boolean stored, String trace) {
    }

    /**
     * @param outcomes one per change, in the poll's order
     * @param updates  one per changed contact, in the order each was first changed
     */
    public record Result(List<ApplyOutcome> outcomes, List<ContactUpdate> updates) {
    }

    /**
     * @param stored the ledgers stored before the poll, by contact (contacts never seen are absent)
     * @param now    the time the poll is applied (pending-since of contacts that become pending)
     */
    public static Result fold(Map<ContactKey, ContactLedger> stored, List<Change> changes, Instant now) {
        Map<ContactKey, ContactLedger> current = new LinkedHashMap<>();
        Map<ContactKey, Change> last = new LinkedHashMap<>();
        List<ApplyOutcome> outcomes = new ArrayList<>(changes.size());
        for (Change c : changes) {
            ContactKey key = c.change().contactKey();
            ContactLedger before = current.containsKey(key) ? current.get(key) : stored.get(key);
            Coalescing.Result result = Coalescing.apply(before, c.change(), now);
            outcomes.add(result.outcome());
            if (result.outcome().changedLedger()) {
                current.put(key, result.ledger());
                last.put(key, c);
            }
        }
        List<ContactUpdate> updates = new ArrayList<>(current.size());
        current.forEach((key, ledger) -> updates.add(new ContactUpdate(key, last.get(key).partition(), ledger,
                stored.containsKey(key), last.get(key).trace())));
        return new Result(List.copyOf(outcomes), List.copyOf(updates));
    }
}
