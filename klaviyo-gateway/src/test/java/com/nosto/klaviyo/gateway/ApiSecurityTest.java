package com.nosto.klaviyo.gateway;

import com.nosto.klaviyo.testsupport.ApiSecurityContract;
import io.quarkus.test.junit.QuarkusTest;

/** G12 on every endpoint of klaviyo-gateway, found by reflection: tokens, accounts and path spellings (ApiSecurityContract). */
@QuarkusTest
class ApiSecurityTest extends ApiSecurityContract {
}
