package com.nosto.klaviyo.worker.domain;

/** A record that can never become a valid membership change; its message is the dead-letter reason. */
public class InvalidChangeException extends Exception {

    public InvalidChangeException(String reason) {
        super(reason);
    }

    public InvalidChangeException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
