package com.nosto.klaviyo.emulator;

import java.util.Map;

/** The demo page: every account's lists (with members) and profiles (with properties and consent). */
final class Ui {

    private Ui() {
    }

    static String render(KlaviyoEmulator emulator) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"5\">")
                .append("<title>Klaviyo emulator</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}")
                .append("code{font-size:90%}</style></head><body><h1>Klaviyo emulator</h1>")
                .append("<p>Revision 2026-07-15 · rate limits from ").append(esc(emulator.rateLimits().source()))
                .append(" · scale ").append(emulator.config().rateLimitScale())
                .append(" · ").append(emulator.calls().all().size()).append(" calls logged · refreshes every 5 s</p>");
        if (emulator.accounts().isEmpty()) {
            h.append("<p>No accounts yet.</p>");
        }
        for (EmulatedAccount a : emulator.accounts()) {
            h.append("<h2>Account ").append(esc(AdminApi.mask(a.apiKey()))).append("</h2>");
            h.append("<h3>Lists</h3><table><tr><th>id</th><th>name</th><th>members</th></tr>");
            for (KlaviyoList l : a.lists()) {
                h.append("<tr><td><code>").append(esc(l.id())).append("</code></td><td>").append(esc(l.name())).append("</td><td>")
                        .append(a.listMemberIds(l.id()).size()).append(": ").append(esc(String.join(", ", a.listMemberEmails(l.id()))))
                        .append("</td></tr>");
            }
            h.append("</table><h3>Profiles</h3><table><tr><th>id</th><th>email</th><th>properties</th><th>email consent</th></tr>");
            for (Profile p : a.profiles()) {
                h.append("<tr><td><code>").append(esc(p.id())).append("</code></td><td>").append(esc(p.email())).append("</td><td><code>")
                        .append(esc(Json.write(p.properties()))).append("</code></td><td>").append(esc(p.emailConsent())).append("</td></tr>");
            }
            h.append("</table>");
            if (!a.consentLog().isEmpty()) {
                h.append("<p style=\"color:#b00\"><b>Consent calls received: ").append(a.consentLog().size()).append("</b></p>");
            }
        }
        h.append("<h2>Calls by endpoint and status</h2><table><tr><th>endpoint</th><th>status → count</th></tr>");
        for (Map.Entry<String, Map<Integer, Long>> e : emulator.calls().countsByEndpointAndStatus().entrySet()) {
            h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(esc(e.getValue().toString())).append("</td></tr>");
        }
        return h.append("</table></body></html>").toString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
