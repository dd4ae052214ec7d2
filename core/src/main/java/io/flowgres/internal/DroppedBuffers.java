package io.flowgres.internal;

import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import reactor.core.publisher.Flux;

/**
 * Releases the driver's buffers that a cancelled exchange drops. r2dbc-postgresql encodes a bound
 * parameter into a pooled buffer when its statement's results are subscribed, and decodes each row
 * into one; when the subscription is cancelled between two of its operators (a hedge that lost, a
 * deadline, a client gone), the operator holding the buffer drops it through Reactor's discard hook,
 * and the driver registers none for its parameters (pgjdbc/r2dbc-postgresql#734). Without this every
 * such cancel leaks a little direct memory. Internal: not part of the API and free to change.
 */
public final class DroppedBuffers {

    private DroppedBuffers() {
    }

    /**
     * Adds, for everything upstream of this point (the work and the driver exchanges it subscribes),
     * a discard hook that releases a dropped reference-counted object. An object dropped by Reactor
     * was never delivered downstream, so nobody else will release it; the hook adds to any that
     * downstream subscribers installed.
     *
     * @param exchange the work or exchange
     * @param <T> its element type
     * @return the same signals, with dropped buffers released
     */
    public static <T> Flux<T> released(Flux<T> exchange) {
        return exchange.doOnDiscard(ReferenceCounted.class, DroppedBuffers::release);
    }

    private static void release(ReferenceCounted dropped) {
        // Released once: one that is already free (refCnt 0) was handed on after all.
        if (dropped.refCnt() > 0) {
            ReferenceCountUtil.safeRelease(dropped);
        }
    }
}
