package io.flowgres.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.internal.Checks;
import io.flowgres.routing.Route;
import io.r2dbc.postgresql.api.Notification;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Keeps the query caches of several instances on one cluster coherent through PostgreSQL
 * {@code LISTEN}/{@code NOTIFY} on the primary, with no other server.
 *
 * <ul>
 *   <li>Sending: {@link #publishWithin} runs {@code SELECT pg_notify('flowgres_cache', …)} inside the
 *       writing transaction, so PostgreSQL delivers it exactly at the commit and never for a rollback;
 *       {@link #publish}, for writes outside such a transaction, runs it as an idempotent write on the
 *       primary after the write it follows has committed. The payload is this instance's id and the
 *       tags, so an instance ignores its own messages. When such a notification is lost (the primary
 *       could not be reached), this instance keeps sending a payload of its id alone, which tells
 *       every other instance to clear its cache, until one gets through.</li>
 *   <li>Receiving: {@link #listen} holds one dedicated connection to the primary (not pooled, named
 *       {@value #APPLICATION_NAME} in {@code pg_stat_activity}) that runs {@code LISTEN flowgres_cache}
 *       and checks itself with {@code SELECT 1} every {@link Builder#heartbeat heartbeat}. When the
 *       connection fails or goes silent, the cache is {@linkplain QueryCache#isCoherent() suspended}
 *       (reads bypass it) and the listener reconnects with exponential backoff; once {@code LISTEN}
 *       runs again, the cache is cleared and serves again. Staleness is therefore bounded by the
 *       notification's delivery, never by the TTL.</li>
 * </ul>
 */
public final class PostgresInvalidations implements InvalidationBroadcaster, AutoCloseable {

    /** The notification channel. */
    public static final String CHANNEL = "flowgres_cache";
    /** The listener connection's {@code application_name}. */
    public static final String APPLICATION_NAME = "flowgres-cache-listener";
    /** Default first delay before reconnecting; it doubles up to {@link #MAX_RECONNECT_DELAY}. */
    public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofSeconds(1);
    /** Longest delay between reconnection attempts. */
    public static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(30);
    /** Default interval of the listener connection's liveness check. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    /** PostgreSQL refuses payloads of 8000 bytes or more; tags are split into messages below this. */
    static final int MAX_PAYLOAD = 7000;

    private static final Logger log = LoggerFactory.getLogger(PostgresInvalidations.class);
    private static final Query NOTIFY = Query.named("cache.notify").withRoute(Route.PRIMARY).idempotent();
    private static final String CONNECTED = "";

    private final Flowgres flowgres;
    private final String instanceId = UUID.randomUUID().toString();
    private final Duration reconnectDelay;
    private final Duration heartbeat;
    private final Scheduler scheduler;
    private final AtomicBoolean listening = new AtomicBoolean();
    private final AtomicInteger listenerPid = new AtomicInteger();
    private final AtomicReference<@Nullable Disposable> subscription = new AtomicReference<>();
    private final AtomicReference<@Nullable Disposable> resync = new AtomicReference<>();
    private final AtomicBoolean resyncing = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresInvalidations(Builder builder) {
        this.flowgres = builder.flowgres;
        this.reconnectDelay = builder.reconnectDelay;
        this.heartbeat = builder.heartbeat;
        this.scheduler = builder.scheduler;
    }

    /**
     * A builder: sending through {@code flowgres}, listening on the node that takes writes.
     *
     * @param flowgres the facade whose primary carries the notifications
     * @return the builder
     */
    public static Builder builder(Flowgres flowgres) {
        return new Builder(flowgres);
    }

    /**
     * Sends the tags to the other instances, in as many notifications as their size needs.
     *
     * @param tags the invalidated tags
     * @return completes when every notification was sent
     */
    @Override
    public Mono<Void> publish(Set<String> tags) {
        return Flux.fromIterable(payloads(instanceId, tags))
                .concatMap(this::notifyOthers)
                .then()
                .doOnError(error -> resyncOthers());
    }

    private Mono<Void> notifyOthers(String payload) {
        return flowgres.write(NOTIFY, connection -> notify(connection, payload)).then();
    }

    /** Queues one notification on the connection: sent at once, or at its transaction's commit. */
    private static Flux<Long> notify(Connection connection, String payload) {
        return Flux.from(connection.createStatement("SELECT pg_notify($1, $2)").bind("$1", CHANNEL)
                        .bind("$2", payload).execute())
                .flatMap(result -> result.getRowsUpdated());
    }

    /**
     * An invalidation was lost: tells the other instances, as soon as the primary takes it, to clear
     * everything, with backoff until it gets through or this link is closed. One at a time.
     */
    private void resyncOthers() {
        if (closed.get() || !resyncing.compareAndSet(false, true)) {
            return;
        }
        resync.set(Mono.defer(() -> notifyOthers(instanceId))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, reconnectDelay).maxBackoff(MAX_RECONNECT_DELAY)
                        .transientErrors(true).scheduler(scheduler))
                .doFinally(signal -> resyncing.set(false))
                .subscribe(done -> { }, error -> log.error("could not tell the other instances to clear their caches",
                                error),
                        () -> log.info("told the other instances to clear their caches after a lost invalidation")));
        if (closed.get()) {
            disposeResync();
        }
    }

    private void disposeResync() {
        Disposable owed = resync.getAndSet(null);
        if (owed != null) {
            owed.dispose();
        }
    }

    /** Whether this link still owes the other instances a request to clear their caches. */
    public boolean isResyncPending() {
        return resyncing.get();
    }

    /**
     * Sends the tags inside the caller's transaction: PostgreSQL queues a notification until the
     * transaction commits and drops it when it rolls back.
     *
     * @param connection the transaction's connection, on the primary
     * @param tags the invalidated tags
     * @return true, once every notification was queued
     */
    @Override
    public Mono<Boolean> publishWithin(Connection connection, Set<String> tags) {
        return Flux.fromIterable(payloads(instanceId, tags))
                .concatMap(payload -> notify(connection, payload))
                .then(Mono.just(true));
    }

    /**
     * Starts receiving invalidations into {@code cache}: suspends it at once, resumes it when
     * {@code LISTEN} runs, and keeps reconnecting until {@link #close()}.
     *
     * @param cache the cache the received tags are invalidated in
     * @throws IllegalStateException when already listening
     */
    public void listen(QueryCache cache) {
        Checks.notNull(cache, "cache");
        cache.suspend(false);
        Disposable started = sessions(cache)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, reconnectDelay).maxBackoff(MAX_RECONNECT_DELAY)
                        .transientErrors(true).scheduler(scheduler)
                        .doBeforeRetry(signal -> log.warn("cache listener lost its connection ({}); reconnecting",
                                signal.failure().toString())))
                .subscribe(payload -> receive(cache, payload),
                        error -> log.error("cache listener stopped", error));
        Checks.state(subscription.compareAndSet(null, started), "already listening");
    }

    private Flux<String> sessions(QueryCache cache) {
        // Each session connects to the node that takes writes now, so the listener follows a promoted primary.
        return Flux.usingWhen(flowgres.connectToWriter(APPLICATION_NAME).timeout(heartbeat, scheduler)
                                .cast(PostgresqlConnection.class),
                        connection -> session(connection, cache),
                        PostgresqlConnection::close, (connection, error) -> connection.close(),
                        PostgresqlConnection::close)
                .doOnError(error -> {
                    listening.set(false);
                    cache.suspend(true);
                });
    }

    private Flux<String> session(PostgresqlConnection connection, QueryCache cache) {
        Mono<Integer> listen = connection.createStatement("LISTEN " + CHANNEL).execute()
                .flatMap(result -> result.getRowsUpdated()).then(connection.createStatement("SELECT pg_backend_pid()")
                        .execute().flatMap(result -> result.map(row -> row.get(0, Integer.class))).single());
        // The notification stream ends with the connection: that is a loss, never a normal end.
        Flux<String> notifications = connection.getNotifications().map(PostgresInvalidations::payload)
                .concatWith(Mono.error(() -> new IllegalStateException("listener connection closed")));
        // A silent connection (a paused or unreachable primary) must count as lost, not as quiet.
        Flux<String> heartbeats = heartbeats(heartbeat, scheduler, () -> connection.createStatement("SELECT 1")
                .execute().flatMap(result -> result.getRowsUpdated()).then()).thenMany(Flux.empty());
        return listen.flatMapMany(pid -> {
                    listenerPid.set(pid);
                    listening.set(true);
                    cache.resume();
                    log.info("cache listener subscribed to {} (backend pid {})", CHANNEL, pid);
                    return Flux.merge(Flux.just(CONNECTED), notifications, heartbeats);
                });
    }

    /**
     * Checks a connection every {@code every}, each check bounded by {@code every}: a check that does not
     * answer in time fails the stream (the connection counts as lost). The next wait begins when a check
     * ends, so a slow check never meets the next tick: with {@code Flux.interval} and a concatenated
     * check, a tick due while a check still ran found no demand and failed the stream with "Could not
     * emit tick" on a starved JVM, reporting a healthy listener lost.
     *
     * @param every the wait between checks and the bound of each
     * @param scheduler where the waits and bounds run
     * @param check one liveness check, subscribed afresh each time
     * @return a stream that never emits and fails when a check fails or times out
     */
    static Flux<Void> heartbeats(Duration every, Scheduler scheduler, Supplier<Mono<Void>> check) {
        return Mono.delay(every, scheduler).then(Mono.defer(check).timeout(every, scheduler)).repeat();
    }

    private static String payload(Notification notification) {
        String parameter = notification.getParameter();
        return parameter == null ? CONNECTED : parameter;
    }

    private void receive(QueryCache cache, String payload) {
        if (payload.isEmpty()) {
            return;
        }
        List<String> words = Arrays.asList(payload.split(" "));
        if (words.get(0).equals(instanceId)) {
            return;
        }
        if (words.size() == 1) {
            // Another instance lost one of its invalidations: anything here may be stale.
            log.warn("instance {} lost an invalidation; clearing the query cache", words.get(0));
            cache.clearAll();
            return;
        }
        try {
            cache.invalidateLocally(words.subList(1, words.size()));
        } catch (IllegalArgumentException e) {
            log.warn("ignored a malformed cache notification: {}", e.getMessage());
        }
    }

    static List<String> payloads(String instanceId, Set<String> tags) {
        List<String> payloads = new ArrayList<>();
        StringBuilder current = new StringBuilder(instanceId);
        for (String tag : tags) {
            if (current.length() > instanceId.length() && current.length() + 1 + tag.length() > MAX_PAYLOAD) {
                payloads.add(current.toString());
                current = new StringBuilder(instanceId);
            }
            current.append(' ').append(tag);
        }
        if (current.length() > instanceId.length()) {
            payloads.add(current.toString());
        }
        return payloads;
    }

    /** Whether the listener connection is subscribed now. */
    public boolean isListening() {
        return listening.get();
    }

    /** The backend pid of the listener connection (as in {@code pg_stat_activity}), 0 before it first connected. */
    public int listenerPid() {
        return listenerPid.get();
    }

    /** This instance's id in notification payloads. */
    public String instanceId() {
        return instanceId;
    }

    /** Stops listening and closes the listener connection. */
    @Override
    public void close() {
        closed.set(true);
        disposeResync();
        Disposable current = subscription.getAndSet(null);
        if (current != null) {
            current.dispose();
        }
        listening.set(false);
    }

    /** Builds {@link PostgresInvalidations}. Not thread-safe. */
    public static final class Builder {

        private final Flowgres flowgres;
        private Duration reconnectDelay = DEFAULT_RECONNECT_DELAY;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private Scheduler scheduler = Schedulers.parallel();

        private Builder(Flowgres flowgres) {
            this.flowgres = Checks.notNull(flowgres, "flowgres");
        }

        /**
         * Sets the first delay before reconnecting; later ones double up to {@link #MAX_RECONNECT_DELAY}.
         *
         * @param reconnectDelay positive (default {@link #DEFAULT_RECONNECT_DELAY})
         * @return this builder
         */
        public Builder reconnectDelay(Duration reconnectDelay) {
            this.reconnectDelay = Checks.positive(reconnectDelay, "reconnectDelay");
            return this;
        }

        /**
         * Sets how often the listener connection proves it is alive, and how long it may take.
         *
         * @param heartbeat positive (default {@link #DEFAULT_HEARTBEAT})
         * @return this builder
         */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = Checks.positive(heartbeat, "heartbeat");
            return this;
        }

        /**
         * Sets the scheduler of reconnect delays and heartbeats; exists to facilitate testing.
         *
         * @param scheduler the scheduler (default {@link Schedulers#parallel()})
         * @return this builder
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Checks.notNull(scheduler, "scheduler");
            return this;
        }

        /** Builds the link; nothing connects until {@link PostgresInvalidations#listen}. */
        public PostgresInvalidations build() {
            return new PostgresInvalidations(this);
        }
    }
}
