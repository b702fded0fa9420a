package com.nosto.klaviyo.worker.repository;

/**
 * Another transaction wrote a ledger row this poll's transaction expected to insert (two instances
 * briefly consuming the same partition during a rebalance). The transaction rolls back and the poll
 * is folded again from what is stored then.
 */
public class PollWriteConflictException extends RuntimeException {

    public PollWriteConflictException(String message) {
        super(message);
    }
}
