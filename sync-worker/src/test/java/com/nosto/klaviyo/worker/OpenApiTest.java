package com.nosto.klaviyo.worker;

import com.nosto.klaviyo.testsupport.OpenApiContract;
import io.quarkus.test.junit.QuarkusTest;

/** sync-worker's OpenAPI document: served on the management port, complete, and the one in docs/api/ (OpenApiContract). */
@QuarkusTest
class OpenApiTest extends OpenApiContract {

    @Override
    protected String serviceName() {
        return "sync-worker";
    }
}
