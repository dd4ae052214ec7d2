package io.flowgres.it;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The blocking calls BlockHound may let through on event-loop threads, each with its reason. Any
 * other blocking call fails the test that made it.
 */
public final class KnownBlockingCalls implements BlockHoundIntegration {

    /** Created by the service loader. */
    public KnownBlockingCalls() {
    }

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // SCRAM authentication draws its nonce from SecureRandom (/dev/urandom): a read that never
        // waits in practice, inside the driver's connection handshake.
        builder.allowBlockingCallsInside("com.ongres.scram.common.ScramFunctions", "nonce");
        // Micrometer's percentile histograms rotate their time window on a record: HdrHistogram's
        // phaser yields briefly while a concurrent recorder finishes (Micrometer allows it the same way).
        builder.allowBlockingCallsInside("org.HdrHistogram.WriterReaderPhaser", "flipPhase");
        // Netty 4.2's adaptive buffer allocator takes a StampedLock for a moment when it grows its
        // magazines and frees the old ones; a short critical section between event loops, not I/O
        // (reported as a BlockHound false positive by Netty's users; Netty's own rules miss it).
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
                "tryExpandMagazines");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
        // Jackson builds a type's deserializer once, under a lock, the first time the type is read;
        // readers that arrive together wait for it for a moment (a replayed keyed create decodes its
        // stored pitch on the event loop, as Spring's JSON decoder does with request bodies).
        builder.allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
                "_createAndCacheValueDeserializer");
    }
}
