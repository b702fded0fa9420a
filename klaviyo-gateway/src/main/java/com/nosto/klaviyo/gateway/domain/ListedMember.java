package com.nosto.klaviyo.gateway.domain;

/**
 * A member of the list as Klaviyo holds it. The two properties are kept as read (any JSON type, or null when absent),
 * so a value of the wrong type is seen as wrong.
 */
public record ListedMember(String profileId, String email, Object nostoSegment, Object nostoSegments) {

    /** Whether it carries either Nosto property (a foreign member with them has both unset on removal, G3). */
    public boolean carriesNostoProperties() {
        return nostoSegment != null || nostoSegments != null;
    }
}
