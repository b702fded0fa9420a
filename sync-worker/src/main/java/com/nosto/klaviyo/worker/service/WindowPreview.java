package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.worker.repository.PreviewRepository.PendingKind;
import java.time.Instant;
import java.util.List;

/**
 * Body of {@code GET /api/accounts/{accountId}/windows/next}: a dry run of what the account's next windows release,
 * computed from the ledger as a release would compute it, nothing written. The samples are the account's own
 * shoppers, shown only to a caller that may act for the account.
 *
 * @param regular     the next regular window: contacts waiting for it only
 * @param firstEnable the next first-enable window: contacts of a first enable
 */
public record WindowPreview(String accountId, Window regular, Window firstEnable) {

    /**
     * @param dueAt     when the earliest partition of the account releases this kind; null when nothing waits
     * @param contacts  contacts it releases
     * @param restated  of those, contacts an operator's resync restates
     * @param added     into the list
     * @param moved     properties change, list membership stays (G7)
     * @param removed   out of the list, their last synced segment left
     * @param deleted   out of the list, deleted from Nosto
     */
    public record Window(Instant dueAt, long contacts, long restated, Kind added, Kind moved, Kind removed, Kind deleted) {

        static Window of(Instant dueAt, List<PendingKind> kinds) {
            return new Window(dueAt, kinds.stream().mapToLong(PendingKind::count).sum(),
                    kinds.stream().mapToLong(PendingKind::restated).sum(), kind(kinds, ChangeType.ADDED),
                    kind(kinds, ChangeType.MOVED), kind(kinds, ChangeType.REMOVED), kind(kinds, ChangeType.DELETED));
        }

        private static Kind kind(List<PendingKind> kinds, ChangeType change) {
            return kinds.stream().filter(k -> k.change() == change).findFirst().map(k -> new Kind(k.count(), k.sample()))
                    .orElse(new Kind(0, List.of()));
        }
    }

    /**
     * @param count  contacts released with this change
     * @param sample the first of their emails, in email order
     */
    public record Kind(long count, List<String> sample) {
    }

    static WindowPreview of(String accountId, Instant regularDueAt, Instant firstEnableDueAt, List<PendingKind> kinds) {
        return new WindowPreview(accountId,
                Window.of(regularDueAt, kinds.stream().filter(k -> !k.firstEnable()).toList()),
                Window.of(firstEnableDueAt, kinds.stream().filter(PendingKind::firstEnable).toList()));
    }
}
