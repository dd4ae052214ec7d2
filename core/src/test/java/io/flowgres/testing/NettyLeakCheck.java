package io.flowgres.testing;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran, or when one of the buffers it
 * leaked is found at its end. Registered for every test class through JUnit's extension
 * auto-detection ({@code META-INF/services}), enabled by the build's Surefire and Failsafe
 * configurations, which also install {@link RecordingLeakDetector}; without that detector (a run
 * from an IDE, say) it does nothing.
 *
 * <p>Netty notices a leak only when a tracked object has been garbage-collected without being
 * released, and reports it at the next allocation of the same type. After each class this check
 * therefore runs the collector until a sentinel object is known to be collected, then allocates a
 * buffer, twice, before it looks at the reports. A leak from one class may still surface in a later
 * one; the report's allocation trace names the code either way.
 */
public final class NettyLeakCheck implements AfterAllCallback {

    private static final int COLLECTIONS = 2;
    private static final long SENTINEL_WAIT_MILLIS = 200;
    private static final int MAX_GC_ATTEMPTS = 50;

    /** Created by JUnit. */
    public NettyLeakCheck() {
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!RecordingLeakDetector.installed()) {
            return;
        }
        List<String> leaks = new ArrayList<>(collect());
        List<String> tolerated = UpstreamLeaks.removeTolerated(leaks);
        if (!tolerated.isEmpty()) {
            System.err.println("NettyLeakCheck: tolerated " + tolerated.size() + " leak report(s) of "
                    + UpstreamLeaks.DESCRIPTION + " after " + context.getDisplayName());
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leaked resource(s) during or before "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }

    /**
     * Makes Netty report every leaked buffer that is unreachable now, and takes the reports, for a test
     * that asserts on leaks itself (the reports it takes are no longer seen by this check).
     *
     * @return the reports since the last call; always empty without the recording detector
     */
    public static List<String> collect() {
        for (int i = 0; i < COLLECTIONS; i++) {
            collectGarbage();
            // Tracking a new buffer makes the detector drain its queue of collected, unreleased buffers.
            ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
        }
        return RecordingLeakDetector.drain();
    }

    /** Runs the collector until a fresh sentinel is collected and enqueued, so earlier garbage is too. */
    private static void collectGarbage() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        for (int attempt = 0; attempt < MAX_GC_ATTEMPTS; attempt++) {
            System.gc();
            try {
                if (queue.remove(SENTINEL_WAIT_MILLIS) == sentinel) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
