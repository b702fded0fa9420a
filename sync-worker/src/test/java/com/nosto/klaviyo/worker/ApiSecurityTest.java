package com.nosto.klaviyo.worker;

import com.nosto.klaviyo.testsupport.ApiSecurityContract;
import io.quarkus.test.junit.QuarkusTest;

/** G12 on every endpoint of sync-worker, found by reflection: tokens, accounts and path spellings (ApiSecurityContract). */
@QuarkusTest
class ApiSecurityTest extends ApiSecurityContract {
}
