package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AccountLeaseTest {

    private final AtomicLong nanos = new AtomicLong(1_000);
    private final long ttl = TimeUnit.SECONDS.toNanos(60);
    private final long margin = TimeUnit.SECONDS.toNanos(10);

    @Test
    void aLeaseIsValidUntilTtlMinusMarginCountedFromWhenItWasAskedFor() {
        long asked = nanos.get();
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(3)); // the database took 3 s to answer
        AccountLease lease = new AccountLease("acme", "pod-a/1", asked, ttl, margin, nanos::get, null, 0);
        nanos.set(asked + TimeUnit.SECONDS.toNanos(49));
        assertThat(lease.valid()).isTrue();
        nanos.set(asked + TimeUnit.SECONDS.toNanos(50));
        assertThat(lease.valid()).as("50 s after it was asked for: the database may expire it at 60 s from its own now").isFalse();
        assertThatThrownBy(lease::check).isInstanceOf(AccountLease.LeaseLostException.class);
    }

    @Test
    void aRenewalExtendsItFromWhenTheRenewalWasAskedFor() {
        AccountLease lease = new AccountLease("acme", "pod-a/1", nanos.get(), ttl, margin, nanos::get, null, 0);
        long renewAsked = nanos.addAndGet(TimeUnit.SECONDS.toNanos(40));
        lease.renewed(renewAsked);
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(49));
        assertThat(lease.valid()).isTrue();
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(lease.valid()).isFalse();
    }

    @Test
    void anEndedLeaseIsNeverValidAgain() {
        AccountLease lease = new AccountLease("acme", "pod-a/1", nanos.get(), ttl, margin, nanos::get, null, 0);
        lease.end();
        lease.renewed(nanos.get());
        assertThat(lease.valid()).isFalse();
    }
}
