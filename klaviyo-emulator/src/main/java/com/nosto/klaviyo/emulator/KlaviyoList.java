package com.nosto.klaviyo.emulator;

import java.time.Instant;

/** A snapshot of an emulated list. */
public record KlaviyoList(String id, String name, String optInProcess, Instant created, Instant updated) {
}
