package io.flowgres.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.netty.util.ResourceLeakDetector;

/**
 * A Netty leak detector that, besides logging each leak as Netty does, keeps its report so that
 * {@link NettyLeakCheck} can fail the test run on it. Netty builds every detector (byte buffers,
 * timers, ...) through this class when the JVM runs with
 * {@code -Dio.netty.customResourceLeakDetector=io.flowgres.testing.RecordingLeakDetector}, as the
 * Surefire and Failsafe configurations of the build set it, together with
 * {@code -Dio.netty.leakDetection.level=paranoid} so that every buffer is tracked.
 *
 * @param <T> the tracked resource type
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();

    /**
     * Called by Netty's detector factory.
     *
     * @param resourceType the tracked type
     * @param samplingInterval how often a resource is tracked below the paranoid level
     * @param maxActive ignored, as Netty ignores it since 4.1
     */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval);
    }

    /**
     * Called by Netty's detector factory.
     *
     * @param resourceType the tracked type
     * @param samplingInterval how often a resource is tracked below the paranoid level
     */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /** Whether Netty was told to build its detectors with this class (a system property of the test JVM). */
    public static boolean installed() {
        return RecordingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"));
    }

    /**
     * Takes the leaks reported since the last call.
     *
     * @return one report per leak: the resource type and, at the paranoid level, where it was
     *         allocated and last touched
     */
    static List<String> drain() {
        List<String> leaks = new ArrayList<>();
        for (String leak = LEAKS.poll(); leak != null; leak = LEAKS.poll()) {
            leaks.add(leak);
        }
        return leaks;
    }

    // Report even when the detector's logger is switched off: a leak is a failure, not a log line.
    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected "
                + "(not traced: run with -Dio.netty.leakDetection.level=paranoid to see where).");
        super.reportUntracedLeak(resourceType);
    }
}
