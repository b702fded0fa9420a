package com.nosto.klaviyo.testsupport;

import io.smallrye.jwt.build.Jwt;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Mints bearer tokens signed with the development/test key pair in {@code test-jwt/} (never used in
 * production, where the chart supplies the verification key). Services under test verify them with
 * {@code %test.mp.jwt.verify.publickey.location=test-jwt/publicKey.pem}.
 */
public final class Tokens {

    public static final String ISSUER = "https://nosto-klaviyo-sync.local";
    private static final String PRIVATE_KEY = "test-jwt/privateKey.pem";

    private Tokens() {
    }

    /** A merchant's token: may act for the given accounts only. */
    public static String forAccounts(String... accountIds) {
        return Jwt.issuer(ISSUER).subject("merchant").claim("accounts", List.of(accountIds))
                .groups(Set.of("merchant")).expiresIn(Duration.ofHours(12)).sign(PRIVATE_KEY);
    }

    /** An operator's token: the sre role may act for every account. */
    public static String sre() {
        return Jwt.issuer(ISSUER).subject("sre").groups(Set.of("sre")).expiresIn(Duration.ofHours(12)).sign(PRIVATE_KEY);
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    /** Prints a token for local use: {@code java -cp … Tokens acme [other…]} or {@code Tokens --sre}. */
    public static void main(String[] args) {
        System.out.println(args.length == 1 && "--sre".equals(args[0]) ? sre() : forAccounts(args));
    }
}
