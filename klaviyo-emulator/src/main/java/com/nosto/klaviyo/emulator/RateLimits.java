package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Klaviyo's published limits per operation ({@code x-klaviyo-ratelimit}: burst per second, steady per minute and,
 * for a few operations, a daily cap), read from the spec at start, or from the table generated from the same spec
 * and bundled in the jar when the spec file is not at hand.
 */
public final class RateLimits {

    /** Limits of one operation; {@code daily} is 0 when the spec states none. */
    public record Limit(int burstPerSecond, int steadyPerMinute, int daily) {

        Limit scaled(double scale) {
            return new Limit(scale(burstPerSecond, scale), scale(steadyPerMinute, scale), daily == 0 ? 0 : scale(daily, scale));
        }

        private static int scale(int value, double scale) {
            return (int) Math.max(1, Math.round(value * scale));
        }
    }

    /**
     * Stricter limits the spec states only in prose (operation descriptions), keyed by the variant names the
     * emulator uses: e.g. get_list with {@code additional-fields[list]=profile_count} is 1/s, 15/m.
     */
    static final Map<String, Limit> DOCUMENTED_VARIANTS = Map.of(
            "get_list#profile_count", new Limit(1, 15, 0),
            "get_profile#include_lists_or_segments", new Limit(1, 15, 0),
            "get_profiles#predictive_analytics", new Limit(10, 150, 0),
            "get_profiles_for_list#predictive_analytics", new Limit(10, 150, 0));

    private final Map<String, Limit> byOperation;
    private final String source;

    private RateLimits(Map<String, Limit> byOperation, String source) {
        this.byOperation = Map.copyOf(byOperation);
        this.source = source;
    }

    public Optional<Limit> of(String operationId) {
        Limit l = byOperation.get(operationId);
        if (l == null) {
            l = DOCUMENTED_VARIANTS.get(operationId);
        }
        return Optional.ofNullable(l);
    }

    public Map<String, Limit> all() {
        return byOperation;
    }

    /** Where the table came from: a spec path or the bundled resource. */
    public String source() {
        return source;
    }

    public static RateLimits load(Path configured) {
        Path spec = SpecLocator.find(configured).orElse(null);
        if (spec != null) {
            try {
                return fromSpec(spec);
            } catch (IOException | RuntimeException e) {
                if (configured != null) {
                    throw new IllegalStateException("Cannot read rate limits from " + spec, e);
                }
            }
        }
        return bundled();
    }

    /** Parsing the 3 MB spec costs CPU; tests start many emulators, so each file is read once per JVM. */
    private static final Map<Path, RateLimits> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    public static RateLimits fromSpec(Path spec) throws IOException {
        Path key = spec.toAbsolutePath().normalize();
        RateLimits cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        RateLimits loaded = parse(spec);
        CACHE.put(key, loaded);
        return loaded;
    }

    private static RateLimits parse(Path spec) throws IOException {
        JsonNode root = Json.MAPPER.readTree(spec.toFile());
        Map<String, Limit> map = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> paths = root.path("paths").fields();
        while (paths.hasNext()) {
            Iterator<Map.Entry<String, JsonNode>> ops = paths.next().getValue().fields();
            while (ops.hasNext()) {
                JsonNode op = ops.next().getValue();
                JsonNode rl = op.path("x-klaviyo-ratelimit");
                if (op.has("operationId") && rl.isObject()) {
                    map.put(op.get("operationId").asText(),
                            new Limit(number(rl.path("burst").asText()), number(rl.path("steady").asText()), number(rl.path("daily").asText())));
                }
            }
        }
        if (map.isEmpty()) {
            throw new IllegalStateException("No x-klaviyo-ratelimit in " + spec);
        }
        return new RateLimits(map, spec.toAbsolutePath().normalize().toString());
    }

    static RateLimits bundled() {
        Map<String, Limit> map = new HashMap<>();
        try (InputStream in = RateLimits.class.getResourceAsStream("ratelimits.tsv")) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                map.put(f[0], new Limit(number(f[3]), number(f[4]), number(f[5])));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Bundled rate-limit table unreadable", e);
        }
        return new RateLimits(map, "bundled ratelimits.tsv (generated from stable.json 2026-07-15)");
    }

    private static int number(String text) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        int slash = text.indexOf('/');
        return Integer.parseInt((slash < 0 ? text : text.substring(0, slash)).trim());
    }

    /** Finds the official spec: explicit path, system property, env, then ../shared/klaviyo/stable.json above the cwd. */
    public static final class SpecLocator {
        /** Klaviyo's spec as kept in this repository (klaviyo-emulator/spec, with its SOURCE.txt). */
        static final String IN_REPOSITORY = "klaviyo-emulator/spec/stable.json";

        private SpecLocator() {
        }

        public static Optional<Path> find(Path configured) {
            if (configured != null) {
                return Optional.of(configured);
            }
            for (String candidate : new String[] {System.getProperty("klaviyo.spec"), System.getenv("KLAVIYO_SPEC")}) {
                if (candidate != null && !candidate.isBlank() && Files.isRegularFile(Path.of(candidate))) {
                    return Optional.of(Path.of(candidate));
                }
            }
            String root = System.getProperty("project.root");
            if (root != null) {
                for (Path p : new Path[] {Path.of(root).resolve(IN_REPOSITORY), Path.of(root).resolve("../shared/klaviyo/stable.json")}) {
                    if (Files.isRegularFile(p)) {
                        return Optional.of(p.normalize());
                    }
                }
            }
            // The copy in the repository (found from any module's directory), then a shared copy beside it.
            Path dir = Path.of("").toAbsolutePath();
            while (dir != null) {
                for (Path p : new Path[] {dir.resolve(IN_REPOSITORY), dir.resolve("shared/klaviyo/stable.json"),
                        dir.resolve("../shared/klaviyo/stable.json")}) {
                    if (Files.isRegularFile(p)) {
                        return Optional.of(p.normalize());
                    }
                }
                dir = dir.getParent();
            }
            return Optional.empty();
        }
    }
}
