package com.nosto.klaviyo.ops.redrive;

import com.nosto.klaviyo.ops.redrive.domain.LetterFilter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.clients.CommonClientConfigs;

/** {@code deploy/ops/redrive}: parses the command line, runs {@link Redrive}, prints the report. */
public final class RedriveMain {

    static final String USAGE = """
            Usage: deploy/ops/redrive --topic DLQ_TOPIC [--topic …] [options]

            Re-publishes dead letters (both formats: the services' DeadLetter JSON and records with SmallRye's
            dead-letter-* headers) to their source topics, byte for byte with their keys. Reads each dead-letter
            topic from the beginning to the end offsets it finds at start; commits no offsets, joins no group.

              --topic T             dead-letter topic to read (repeatable), e.g. segment-events-dlq
              --dry-run             publish nothing; print what would be published
              --source-topic T      only letters whose source topic is T (repeatable)
              --reason TEXT         only letters whose reason or error type contains TEXT (case-insensitive)
              --reason-regex RE     only letters whose reason or error type matches the regular expression RE
              --error-type TEXT     only letters whose error type contains TEXT (case-insensitive)
              --from INSTANT        only letters that failed at or after INSTANT (e.g. 2026-11-29T08:00:00Z)
              --to INSTANT          only letters that failed before INSTANT
              --account A           only letters keyed by account A (repeatable; keys are account|email or account)
              --bootstrap-server S  Kafka (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)
              --command-config F    client properties file (security.protocol, sasl.*, ssl.*), as Kafka's tools take
              --stall-timeout SEC   give up when no record arrives for this long (default 60)
              --quiet               print only the summary

            Exit status: 0 done, 1 some records could not be published, 2 usage error.
            """;

    private RedriveMain() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Parsed parsed;
        try {
            parsed = parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        if (parsed == null) {
            out.print(USAGE);
            return 0;
        }
        RedriveReport report = new Redrive(parsed.clientConfig(), parsed.quiet() ? line -> { } : out::println).run(parsed.options());
        out.println();
        out.print(report.summary());
        return report.failed() > 0 ? 1 : 0;
    }

    record Parsed(Redrive.Options options, Properties clientConfig, boolean quiet) {
    }

    /** Null when help was asked for. */
    static Parsed parse(String[] args, Map<String, String> env) {
        List<String> topics = new ArrayList<>();
        Set<String> sourceTopics = new LinkedHashSet<>();
        Set<String> accounts = new LinkedHashSet<>();
        String reason = null;
        Pattern reasonRegex = null;
        String errorType = null;
        Instant from = null;
        Instant to = null;
        boolean dryRun = false;
        boolean quiet = false;
        String bootstrap = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        Path commandConfig = null;
        Duration stall = Duration.ofSeconds(60);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--dry-run" -> dryRun = true;
                case "--quiet" -> quiet = true;
                case "--topic" -> topics.add(value(args, ++i, arg));
                case "--source-topic" -> sourceTopics.add(value(args, ++i, arg));
                case "--account" -> accounts.add(value(args, ++i, arg));
                case "--reason" -> reason = value(args, ++i, arg);
                case "--reason-regex" -> reasonRegex = regex(value(args, ++i, arg));
                case "--error-type" -> errorType = value(args, ++i, arg);
                case "--from" -> from = instant(value(args, ++i, arg), arg);
                case "--to" -> to = instant(value(args, ++i, arg), arg);
                case "--bootstrap-server" -> bootstrap = value(args, ++i, arg);
                case "--command-config" -> commandConfig = Path.of(value(args, ++i, arg));
                case "--stall-timeout" -> stall = Duration.ofSeconds(number(value(args, ++i, arg), arg));
                default -> throw new IllegalArgumentException("Unknown argument: " + arg);
            }
        }
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("--topic is required");
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("--from must be before --to");
        }
        Properties client = new Properties();
        if (commandConfig != null) {
            try (InputStream in = Files.newInputStream(commandConfig)) {
                client.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read --command-config " + commandConfig + ": " + e.getMessage());
            }
        }
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        LetterFilter filter = new LetterFilter(reason, reasonRegex, errorType, from, to, accounts, sourceTopics);
        return new Parsed(new Redrive.Options(topics, filter, dryRun, stall), client, quiet);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static Pattern regex(String text) {
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--reason-regex: " + e.getDescription());
        }
    }

    private static Instant instant(String text, String option) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + " takes an ISO-8601 instant in UTC, e.g. 2026-11-29T08:00:00Z");
        }
    }

    private static long number(String text, String option) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number of seconds");
        }
    }
}
