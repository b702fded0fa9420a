package com.nosto.klaviyo.events;

/** A segment as it appears in changes and in Klaviyo: its stable id and its current name. */
public record SegmentRef(String id, String name) {
}
