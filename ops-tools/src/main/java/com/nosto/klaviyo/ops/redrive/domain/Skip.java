package com.nosto.klaviyo.ops.redrive.domain;

/** Why a dead-letter record is not re-published; each is counted and reported. */
public enum Skip {
    NOT_A_DEAD_LETTER("not a dead letter: neither DeadLetter JSON nor a record with dead-letter-* headers"),
    UNKNOWN_SCHEMA_VERSION("DeadLetter schemaVersion not known to this tool"),
    PAYLOAD_TRUNCATED("payload truncated: the letter holds only the start of the record (find it by source topic/partition/offset)"),
    PAYLOAD_MISMATCH("payload does not match its recorded size or SHA-256 (the original bytes were not valid UTF-8)"),
    KEY_TRUNCATED("key truncated: the letter holds only the start of the key"),
    NO_KEY("no key: every source topic is keyed per contact or account"),
    NO_PAYLOAD("no payload: a tombstone would delete the contact's state on a compacted topic"),
    NO_SOURCE_TOPIC("no source topic recorded"),
    SOURCE_IS_DEAD_LETTER_TOPIC("source topic is a dead-letter topic");

    private final String description;

    Skip(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
