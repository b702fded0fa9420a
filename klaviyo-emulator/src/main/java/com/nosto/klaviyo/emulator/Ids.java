package com.nosto.klaviyo.emulator;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers shaped like Klaviyo's: 6-character list ids, 26-character ULID-like profile ids. They only need to be
 * unique, not unguessable: a fast generator, since a bulk job of 10,000 new profiles draws 160,000 characters.
 */
final class Ids {

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private Ids() {
    }

    static String listId() {
        return random(ALNUM, 6);
    }

    static String profileId(long epochMillis) {
        StringBuilder sb = new StringBuilder(26);
        long t = epochMillis;
        char[] time = new char[10];
        for (int i = 9; i >= 0; i--) {
            time[i] = CROCKFORD.charAt((int) (t & 31));
            t >>>= 5;
        }
        sb.append(time);
        sb.append(random(CROCKFORD, 16));
        return sb.toString();
    }

    static String jobId() {
        return random(ALNUM, 24);
    }

    private static String random(String alphabet, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
