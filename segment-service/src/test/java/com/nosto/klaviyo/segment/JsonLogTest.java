package com.nosto.klaviyo.segment;

import com.nosto.klaviyo.testsupport.JsonLogContract;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** segment-service's console with JSON logs on (LOG_JSON=true): one JSON object a line, log context in, no email in clear. */
@QuarkusTest
@TestProfile(JsonLogContract.JsonLogs.class)
class JsonLogTest extends JsonLogContract {
}
