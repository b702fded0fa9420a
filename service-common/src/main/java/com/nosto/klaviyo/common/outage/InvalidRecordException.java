package com.nosto.klaviyo.common.outage;

/**
 * The record being processed is itself bad (malformed, invalid, or a value the store cannot hold): the only kind of
 * failure that may send a record to a dead-letter topic ({@link Failures#isRecordProblem}).
 */
public class InvalidRecordException extends RuntimeException {

    private final String errorType;

    /** @param errorType the dead letter's {@code errorType}, e.g. {@code MALFORMED_JSON}, {@code INVALID_EVENT} */
    public InvalidRecordException(String errorType, String reason) {
        super(reason);
        this.errorType = errorType;
    }

    public InvalidRecordException(String errorType, String reason, Throwable cause) {
        super(reason, cause);
        this.errorType = errorType;
    }

    public String errorType() {
        return errorType;
    }
}
