package com.nosto.klaviyo.common.security;

import java.util.Collection;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may act for which account (G12). A caller's JWT carries the account ids it may act for in
 * the {@value #ACCOUNTS_CLAIM} claim; the {@value #SRE_ROLE} role (in {@code groups}) may act for all.
 */
public final class AccountAccess {

    public static final String ACCOUNTS_CLAIM = "accounts";
    public static final String SRE_ROLE = "sre";
    /** What an account id may look like (the event contract's {@code accountId} pattern). */
    public static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private AccountAccess() {
    }

    public static boolean mayActFor(String accountId, Set<String> roles, Collection<?> accountsClaim) {
        if (roles.contains(SRE_ROLE)) {
            return true;
        }
        if (accountId == null || accountsClaim == null) {
            return false;
        }
        // Claims arrive as JSON strings (jakarta.json.JsonString) or plain strings; compare by value.
        return accountsClaim.stream().map(AccountAccess::claimValue).anyMatch(accountId::equals);
    }

    private static String claimValue(Object value) {
        String s = String.valueOf(value);
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
