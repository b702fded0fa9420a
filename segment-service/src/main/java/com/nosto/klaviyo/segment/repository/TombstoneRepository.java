package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Tombstone;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class TombstoneRepository implements PanacheRepositoryBase<Tombstone, String> {
}
