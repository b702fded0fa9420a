package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Reply;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.util.Set;

/**
 * {@code get_accounts}: the one account the private key belongs to. Keys registered for the same account
 * ({@link KlaviyoEmulator#addKey}) answer the same id; every other key its own. The account's details are fixed
 * demo values; {@code fields[account]} keeps the attributes (or dotted parts of {@code contact_information}) named.
 */
final class AccountsApi {

    static final Set<String> FIELDS = Set.of("contact_information", "industry", "locale", "preferred_currency", "public_api_key",
            "test_account", "timezone", "id");

    private AccountsApi() {
    }

    static Reply getAccounts(Req r) {
        Fieldset fields = Fieldset.parse(r, "fields[account]", FIELDS, Set.of("contact_information"));
        EmulatedAccount account = r.account();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "account");
        o.put("id", account.accountId());
        ObjectNode a = o.putObject("attributes");
        a.put("test_account", true);
        ObjectNode contact = a.putObject("contact_information");
        contact.put("default_sender_name", "Emulated store");
        contact.put("default_sender_email", "store@example.com");
        contact.put("website_url", "https://store.example.com");
        contact.put("organization_name", "Emulated store " + account.accountId());
        ObjectNode street = contact.putObject("street_address");
        street.put("address1", "1 Example Street");
        street.putNull("address2");
        street.put("city", "Helsinki");
        street.putNull("region");
        street.put("country", "FI");
        street.put("zip", "00100");
        a.putNull("industry");
        a.put("timezone", "Europe/Helsinki");
        a.put("preferred_currency", "EUR");
        a.put("public_api_key", account.accountId());
        a.put("locale", "en-US");
        fields.prune(a, Set.of());
        JsonApi.links(o, r.base() + "/api/accounts/" + account.accountId() + "/", null);
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.putArray("data").add(o);
        root.putObject("links").put("self", JsonApi.selfUrl(r));
        return new Reply(200, root);
    }
}
