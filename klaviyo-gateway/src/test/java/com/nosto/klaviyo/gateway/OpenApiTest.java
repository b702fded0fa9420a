package com.nosto.klaviyo.gateway;

import com.nosto.klaviyo.testsupport.OpenApiContract;
import io.quarkus.test.junit.QuarkusTest;

/** klaviyo-gateway's OpenAPI document: served on the management port, complete, and the one in docs/api/ (OpenApiContract). */
@QuarkusTest
class OpenApiTest extends OpenApiContract {

    @Override
    protected String serviceName() {
        return "klaviyo-gateway";
    }
}
