package com.nosto.klaviyo.segment;

import com.nosto.klaviyo.testsupport.ApiSecurityContract;
import io.quarkus.test.junit.QuarkusTest;

/** G12 on every endpoint of segment-service, found by reflection: tokens, accounts and path spellings (ApiSecurityContract). */
@QuarkusTest
class ApiSecurityTest extends ApiSecurityContract {
}
