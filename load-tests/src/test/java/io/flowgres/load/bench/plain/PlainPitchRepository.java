package io.flowgres.load.bench.plain;

import org.springframework.data.repository.reactive.ReactiveCrudRepository;

/** The pitch table as the plain service's Spring Data repository, found by Boot's repository scanning. */
public interface PlainPitchRepository extends ReactiveCrudRepository<PlainPitch, Long> {
}
