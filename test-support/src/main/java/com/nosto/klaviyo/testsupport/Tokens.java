package com.nosto.klaviyo.testsupport;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Mints bearer tokens signed with the development/test key pair in {@code test-jwt/} (never used in
 * production: the chart refuses that key and the development issuer). Services under test verify them with
 * {@code %test.mp.jwt.verify.publickey.location=test-jwt/publicKey.pem}, issuer {@value #ISSUER} and audience
 * {@value #AUDIENCE}. The {@code forged…} and {@code expired…} tokens are what an attacker or a stale client
 * would send; every service must answer them 401.
 */
public final class Tokens {

    public static final String ISSUER = "https://nosto-klaviyo-sync.local";
    public static final String AUDIENCE = "nosto-klaviyo-sync";
    private static final String PRIVATE_KEY = "test-jwt/privateKey.pem";

    private Tokens() {
    }

    /** A merchant's token: may act for the given accounts only. */
    public static String forAccounts(String... accountIds) {
        return merchant(accountIds).sign(PRIVATE_KEY);
    }

    /** An operator's token: the sre role may act for every account. */
    public static String sre() {
        return sreClaims().sign(PRIVATE_KEY);
    }

    /** An operator's token that expired an hour ago (well beyond the verifier's clock skew). */
    public static String expiredSre() {
        Instant past = Instant.now().minus(Duration.ofHours(2));
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject("sre").groups(Set.of("sre"))
                .issuedAt(past).expiresAt(past.plus(Duration.ofMinutes(59))).sign(PRIVATE_KEY);
    }

    /** An operator's token from another issuer, signed with the right key. */
    public static String sreFromIssuer(String issuer) {
        return Jwt.issuer(issuer).audience(AUDIENCE).subject("sre").groups(Set.of("sre"))
                .expiresIn(Duration.ofHours(1)).sign(PRIVATE_KEY);
    }

    /** An operator's token meant for another audience (another system of the same issuer). */
    public static String sreForAudience(String audience) {
        return Jwt.issuer(ISSUER).audience(audience).subject("sre").groups(Set.of("sre"))
                .expiresIn(Duration.ofHours(1)).sign(PRIVATE_KEY);
    }

    /** An operator's token without any audience. */
    public static String sreWithoutAudience() {
        return Jwt.issuer(ISSUER).subject("sre").groups(Set.of("sre")).expiresIn(Duration.ofHours(1)).sign(PRIVATE_KEY);
    }

    /** An operator's token with the right claims, signed by a key the services do not trust. */
    public static String sreSignedByAnotherKey() {
        return sreClaims().sign(anotherKey());
    }

    /**
     * An operator's token with the right claims and {@code alg=none}: an unsigned JWS (header, payload, empty
     * signature), built by hand because no decent library mints one.
     */
    public static String unsignedSre() {
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
        String payload = "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"sre\",\"groups\":[\"sre\"],"
                + "\"accounts\":[],\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    private static JwtClaimsBuilder merchant(String... accountIds) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject("merchant").claim("accounts", List.of(accountIds))
                .groups(Set.of("merchant")).expiresIn(Duration.ofHours(12));
    }

    private static JwtClaimsBuilder sreClaims() {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject("sre").groups(Set.of("sre")).expiresIn(Duration.ofHours(12));
    }

    private static PrivateKey anotherKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair().getPrivate();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints a token for local use: {@code java -cp … Tokens acme [other…]} or {@code Tokens --sre}. */
    public static void main(String[] args) {
        System.out.println(args.length == 1 && "--sre".equals(args[0]) ? sre() : forAccounts(args));
    }
}
