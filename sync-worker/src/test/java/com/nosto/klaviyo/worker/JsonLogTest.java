package com.nosto.klaviyo.worker;

import com.nosto.klaviyo.testsupport.JsonLogContract;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** sync-worker's console with JSON logs on (LOG_JSON=true): one JSON object a line, log context in, no email in clear. */
@QuarkusTest
@TestProfile(JsonLogContract.JsonLogs.class)
class JsonLogTest extends JsonLogContract {
}
