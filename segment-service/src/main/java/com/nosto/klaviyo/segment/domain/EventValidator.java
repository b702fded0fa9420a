package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.SegmentEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.validator.routines.EmailValidator;

/**
 * The one validation of segment events, shared by the Kafka consumer and the REST endpoint (G11).
 * Returns the event normalised (email trimmed and lower-cased, segment ids de-duplicated) or the
 * first reason it is refused.
 */
public final class EventValidator {

    public static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Longest address SMTP allows (RFC 5321 path limit). */
    public static final int MAX_EMAIL_LENGTH = 254;

    /** Bounds from configuration. */
    public record Limits(int maxSegmentsPerEvent, int maxSegmentIdLength, Duration maxClockSkew) {
    }

    /** A refused event: a JSON pointer into the event (e.g. {@code /email}) and a reason a person can act on. */
    public record Violation(String pointer, String reason) {
    }

    /** Either {@code event} (valid, normalised) or {@code violation}. */
    public record Result(SegmentEvent event, Violation violation) {
        public boolean valid() {
            return violation == null;
        }
    }

    // allowLocal=false: "user@localhost" is no shopper's address; allowTld=false: "user@com" neither.
    private static final EmailValidator EMAILS = EmailValidator.getInstance(false, false);
    /** The contract's date-time range (RFC 3339 years); PostgreSQL and Klaviyo take every instant in it. */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

    private final Limits limits;
    private final Clock clock;

    public EventValidator(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public Result validate(SegmentEvent e) {
        if (e == null) {
            return invalid("", "event must be a JSON object");
        }
        if (e.accountId() == null || !ACCOUNT_ID.matcher(e.accountId()).matches()) {
            return invalid("/accountId", "accountId is required: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String email = ContactKey.normaliseEmail(e.email());
        if (email == null || email.isEmpty()) {
            return invalid("/email", "email is required");
        }
        if (email.length() > MAX_EMAIL_LENGTH || !EMAILS.isValid(email)) {
            return invalid("/email", "email is not a valid address");
        }
        // An address literal (user@[127.0.0.1]) is valid SMTP but no shopper's address, and Klaviyo refuses it.
        if (email.substring(email.lastIndexOf('@') + 1).startsWith("[")) {
            return invalid("/email", "email must have a domain name, not an address literal");
        }
        if (e.observedAt() == null) {
            return invalid("/observedAt", "observedAt is required (ISO-8601 instant, e.g. 2026-11-29T08:00:00Z)");
        }
        if (e.observedAt().isBefore(EARLIEST)) {
            return invalid("/observedAt", "observedAt is before the year 1");
        }
        if (e.observedAt().isAfter(clock.instant().plus(limits.maxClockSkew()))) {
            return invalid("/observedAt", "observedAt is more than " + limits.maxClockSkew() + " in the future");
        }
        SegmentEvent.Form form = e.form();
        if (form == null) {
            return invalid("", "exactly one form is required: 'segments' (full set), 'entered'/'exited' (delta) or 'deleted': true");
        }
        List<String> segments = null;
        List<String> entered = null;
        List<String> exited = null;
        switch (form) {
            case FULL_SET -> {
                Object checked = checkIds("/segments", e.segments());
                if (checked instanceof Violation v) {
                    return new Result(null, v);
                }
                segments = castList(checked);
            }
            case DELTA -> {
                Object in = checkIds("/entered", e.entered() == null ? List.of() : e.entered());
                if (in instanceof Violation v) {
                    return new Result(null, v);
                }
                Object out = checkIds("/exited", e.exited() == null ? List.of() : e.exited());
                if (out instanceof Violation v) {
                    return new Result(null, v);
                }
                entered = castList(in);
                exited = castList(out);
                if (entered.isEmpty() && exited.isEmpty()) {
                    return invalid("", "a delta must enter or exit at least one segment");
                }
                if (entered.size() + exited.size() > limits.maxSegmentsPerEvent()) {
                    return invalid("", "more than " + limits.maxSegmentsPerEvent() + " segment ids in entered and exited");
                }
                Set<String> both = new LinkedHashSet<>(entered);
                both.retainAll(exited);
                if (!both.isEmpty()) {
                    return invalid("/exited", "segment " + both.iterator().next() + " is both entered and exited");
                }
            }
            case DELETION -> {
            }
        }
        return new Result(new SegmentEvent(e.accountId(), email, segments, entered, exited,
                form == SegmentEvent.Form.DELETION ? Boolean.TRUE : null, e.observedAt()), null);
    }

    /** The ids de-duplicated in order, or the violation. */
    private Object checkIds(String pointer, List<String> ids) {
        if (ids.size() > limits.maxSegmentsPerEvent()) {
            return new Violation(pointer, "more than " + limits.maxSegmentsPerEvent() + " segment ids");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            if (id == null || id.isBlank()) {
                return new Violation(pointer + "/" + i, "segment id must be a non-blank string");
            }
            if (CONTROL.matcher(id).find()) {
                return new Violation(pointer + "/" + i, "segment id must not contain control characters");
            }
            if (id.length() > limits.maxSegmentIdLength()) {
                return new Violation(pointer + "/" + i, "segment id longer than " + limits.maxSegmentIdLength() + " characters");
            }
            unique.add(id);
        }
        return new ArrayList<>(unique);
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    private static Result invalid(String pointer, String reason) {
        return new Result(null, new Violation(pointer, reason));
    }
}
