package com.nosto.klaviyo.gateway.domain;

import java.util.List;

/**
 * A contact the ledger says is in the list, with what was applied to it: the model an audit compares Klaviyo with.
 *
 * @param profileId     the profile id stored for it (null: never learnt, e.g. added by a bulk job)
 * @param nostoSegments null when the row was applied before the ledger kept properties: only its membership is audited
 */
public record ModelContact(String email, String profileId, String nostoSegment, List<String> nostoSegments) {

    public boolean propertiesKnown() {
        return nostoSegments != null;
    }
}
