package com.nosto.klaviyo.ops.whereis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code deploy/ops/where-is}: asks segment-service, sync-worker and klaviyo-gateway for their view of one contact
 * ({@code POST /api/accounts/{a}/contacts/state}, an {@code sre} token) and prints one table ({@link ContactReport}).
 */
public final class WhereIsMain {

    static final String USAGE = """
            Usage: deploy/ops/where-is --account A --email E [options]

            Where is this contact? Each service's view (segment-service: memberships and version; sync-worker: the
            pending change and its next release; klaviyo-gateway: the version applied, the Klaviyo profile id, the last
            sync run), as one table, and where the newest change stands. The email goes in request bodies only.

              --account A             the merchant account
              --email E               the shopper's email
              --segment-service URL   default $SEGMENT_SERVICE_URL, else http://127.0.0.1:8080
              --sync-worker URL       default $SYNC_WORKER_URL, else http://127.0.0.1:8082
              --klaviyo-gateway URL   default $KLAVIYO_GATEWAY_URL, else http://127.0.0.1:8083
              --token-file F          a file holding an sre bearer token (default: $NKS_TOKEN)

            Exit status: 0 every service answered, 1 one did not, 2 usage error.
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    record Options(String account, String email, String segmentService, String syncWorker, String gateway, String token) {
    }

    private WhereIsMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Options o;
        try {
            o = parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        if (o == null) {
            out.print(USAGE);
            return 0;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        ContactReport.Answer segments = ask(http, "segment-service", o.segmentService(), o);
        ContactReport.Answer worker = ask(http, "sync-worker", o.syncWorker(), o);
        ContactReport.Answer gateway = ask(http, "klaviyo-gateway", o.gateway(), o);
        out.print(ContactReport.render(o.account(), segments, worker, gateway));
        return segments.body() == null || worker.body() == null || gateway.body() == null ? 1 : 0;
    }

    static ContactReport.Answer ask(HttpClient http, String service, String base, Options o) {
        String body = JSON.createObjectNode().put("email", o.email()).toString();
        URI uri = URI.create(base.replaceAll("/+$", "") + "/api/accounts/" + URLEncoder.encode(o.account(), StandardCharsets.UTF_8)
                .replace("+", "%20") + "/contacts/state");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + o.token())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                JsonNode problem = parse(r.body());
                return new ContactReport.Answer(service, null, "HTTP " + r.statusCode()
                        + (problem == null ? "" : ": " + problem.path("title").asText("") + " " + problem.path("detail").asText("")).trim());
            }
            return new ContactReport.Answer(service, parse(r.body()), null);
        } catch (IOException e) {
            return new ContactReport.Answer(service, null, e.getClass().getSimpleName() + " " + uri.getHost() + ":" + uri.getPort());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ContactReport.Answer(service, null, "interrupted");
        }
    }

    private static JsonNode parse(String text) {
        try {
            return text == null || text.isBlank() ? null : JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    static Options parse(String[] args, Map<String, String> env) {
        String account = null;
        String email = null;
        String segments = env.getOrDefault("SEGMENT_SERVICE_URL", "http://127.0.0.1:8080");
        String worker = env.getOrDefault("SYNC_WORKER_URL", "http://127.0.0.1:8082");
        String gateway = env.getOrDefault("KLAVIYO_GATEWAY_URL", "http://127.0.0.1:8083");
        String token = env.get("NKS_TOKEN");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Unknown option or missing value: " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--account" -> account = v;
                case "--email" -> email = v;
                case "--segment-service" -> segments = v;
                case "--sync-worker" -> worker = v;
                case "--klaviyo-gateway" -> gateway = v;
                case "--token-file" -> token = readToken(v);
                default -> throw new IllegalArgumentException("Unknown option: " + a);
            }
        }
        if (account == null || account.isBlank() || email == null || email.isBlank()) {
            throw new IllegalArgumentException("--account and --email are required");
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("An sre token is required: $NKS_TOKEN or --token-file");
        }
        return new Options(account, email, segments, worker, gateway, token.trim());
    }

    private static String readToken(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the token file " + file + ": " + e.getMessage());
        }
    }
}
