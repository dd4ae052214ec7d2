package io.flowgres.reference.pitches;

import org.springframework.data.repository.reactive.ReactiveCrudRepository;

/**
 * The pitch table as a Spring Data R2DBC repository. Its calls run inside the facade's operations
 * ({@link PitchStore}), which pick the node and own the connection and the transaction.
 */
public interface PitchRepository extends ReactiveCrudRepository<Pitch, Long> {
}
