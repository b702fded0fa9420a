package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** get_accounts: which Klaviyo account a private key reaches (the gateway asks at connect). */
class AccountsTest extends EmulatorTest {

    @Test
    void getAccountsAnswersTheOneAccountOfTheKey() {
        Klaviyo.Response r = klaviyo.get("/api/accounts");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/vnd.api+json");
        JsonNode data = r.body().path("data");
        assertThat(data.size()).isEqualTo(1);
        assertThat(data.get(0).path("type").asText()).isEqualTo("account");
        assertThat(data.get(0).path("id").asText()).isEqualTo(account.accountId()).matches("[A-Za-z0-9]{6}");
        assertThat(data.get(0).at("/attributes/public_api_key").asText()).isEqualTo(account.accountId());
    }

    @Test
    void aSecondKeyOfTheSameAccountAnswersTheSameIdAndSeesTheSameData() {
        String listId = klaviyo.createList("Nosto Customers");
        String secondKey = Klaviyo.uniqueKey();
        emulator.addKey(key, secondKey);
        Klaviyo second = new Klaviyo(emulator.baseUrl(), secondKey);

        assertThat(second.get("/api/accounts").body().at("/data/0/id").asText()).isEqualTo(account.accountId());
        assertThat(second.get("/api/lists/" + listId).status()).isEqualTo(200);
        assertThat(emulator.accounts()).filteredOn(a -> a == account).hasSize(1);
    }

    @Test
    void anotherKeyReachesAnotherAccount() {
        String otherKey = Klaviyo.uniqueKey();
        emulator.account(otherKey);
        Klaviyo other = new Klaviyo(emulator.baseUrl(), otherKey);

        assertThat(other.get("/api/accounts").body().at("/data/0/id").asText()).isNotEqualTo(account.accountId());
    }

    @Test
    void sparseFieldsetKeepsTheNamedAttributesAndRefusesUnknownOnes() {
        JsonNode attributes = klaviyo.get("/api/accounts?fields%5Baccount%5D=timezone,contact_information.organization_name")
                .body().at("/data/0/attributes");
        assertThat(attributes.fieldNames()).toIterable().containsExactlyInAnyOrder("timezone", "contact_information");
        assertThat(attributes.path("contact_information").fieldNames()).toIterable().containsExactly("organization_name");

        Klaviyo.Response bad = klaviyo.get("/api/accounts?fields%5Baccount%5D=secret");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error().path("source").path("parameter").asText()).isEqualTo("fields[account]");
    }

    @Test
    void anUnknownKeyIs401() {
        assertThat(new Klaviyo(emulator.baseUrl(), "pk_never_registered").get("/api/accounts").status()).isEqualTo(401);
    }
}
