package io.flowgres.reference.pitches;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the demo database at start-up, before the service takes traffic: applies the Flyway
 * migrations on the primary, seeds users and pitches when the tables are empty, analyzes them, and
 * (with the embedded cluster) waits until every replica has replayed it all, so that the first
 * read on a replica already sees the data. With an embedded cluster started from the demo data's
 * snapshot ({@link DemoDataSnapshot}) there is nothing to do; with one that has a snapshot directory but
 * started empty, the prepared data is saved there for the next start.
 *
 * <p>Runs over JDBC because Flyway does; this is start-up work on the main thread, never on an
 * event loop.
 */
public final class DemoDatabase {

    private static final Logger log = LoggerFactory.getLogger(DemoDatabase.class);

    private static final String[] GENRES = {"drama", "comedy", "thriller", "horror", "scifi", "documentary",
        "animation", "romance"};

    private final long pitches;
    private final long users;

    private DemoDatabase(long users, long pitches) {
        this.users = users;
        this.pitches = pitches;
    }

    /**
     * Migrates and seeds.
     *
     * @param config the cluster; migrations run on its primary
     * @param users how many users to seed into an empty database
     * @param pitches how many pitches to seed into an empty database
     * @param localCluster the embedded cluster to wait for, if any
     * @return what was prepared
     */
    public static DemoDatabase prepare(ClusterConfig config, long users, long pitches,
            @Nullable LocalCluster localCluster) {
        if (localCluster != null && localCluster.startedFromSnapshot()) {
            // Its label says it holds exactly what the steps below would make (see DemoDataSnapshot), on every node.
            log.info("Demo data from the embedded cluster's snapshot: already migrated, seeded and analyzed");
            return new DemoDatabase(users, pitches);
        }
        NodeConfig primary = config.primary();
        String jdbcUrl = "jdbc:postgresql://" + primary.host() + ":" + primary.port() + "/" + primary.database();
        // Tables first (V1), then the bulk seed, then the foreign key and the secondary indexes (V2):
        // building an index once over loaded rows is far cheaper than maintaining it (trigram GIN above
        // all) row by row, and a foreign key is checked once, not by a trigger per row.
        migrate(jdbcUrl, config, "1");
        try (Connection connection = DriverManager.getConnection(jdbcUrl, config.username(), config.password())) {
            seed(connection, users, pitches);
        } catch (SQLException e) {
            throw new IllegalStateException("seeding the demo data failed: " + e.getMessage(), e);
        }
        migrate(jdbcUrl, config, null);
        analyze(jdbcUrl, config);
        if (localCluster != null) {
            if (localCluster.snapshotDirectory().isPresent()) {
                saveSnapshot(localCluster);
            }
            localCluster.awaitReplication(Duration.ofSeconds(120));
        }
        return new DemoDatabase(users, pitches);
    }

    /** Saves the prepared data for the next start; a start that cannot is still a start, so only said. */
    private static void saveSnapshot(LocalCluster localCluster) {
        try {
            localCluster.saveSnapshot();
        } catch (RuntimeException e) {
            log.warn("Could not save the demo data's snapshot (the next start seeds again): {}", e.getMessage());
        }
    }

    private static void migrate(String jdbcUrl, ClusterConfig config, @Nullable String target) {
        org.flywaydb.core.api.configuration.FluentConfiguration flyway = Flyway.configure()
                .dataSource(jdbcUrl, config.username(), config.password())
                .locations("classpath:db/reference");
        if (target != null) {
            flyway.target(target);
        }
        flyway.load().migrate();
    }

    private static void analyze(String jdbcUrl, ClusterConfig config) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, config.username(), config.password());
                Statement analyze = connection.createStatement()) {
            analyze.execute("ANALYZE app_user");
            analyze.execute("ANALYZE pitch");
        } catch (SQLException e) {
            throw new IllegalStateException("analyzing the demo data failed: " + e.getMessage(), e);
        }
    }

    private static void seed(Connection connection, long users, long pitches) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet existing = statement.executeQuery("SELECT EXISTS (SELECT 1 FROM pitch)")) {
            existing.next();
            if (existing.getBoolean(1)) {
                log.info("Demo data already present; not seeding");
                return;
            }
        }
        long started = System.nanoTime();
        connection.setAutoCommit(false);
        try (PreparedStatement insertUsers = connection.prepareStatement(
                "INSERT INTO app_user (username, display_name, created_at) "
                        + "SELECT 'user' || g, 'User ' || g, now() - make_interval(days => g::int % 365) "
                        + "FROM generate_series(1, ?) AS g");
                PreparedStatement insertPitches = connection.prepareStatement(
                        "INSERT INTO pitch (owner_id, title, logline, genre, format, production_stage, status, "
                                + "view_count, created_at) "
                                + "SELECT 1 + (g * 7919) % ?, "
                                + "'Pitch ' || g, 'A story told for the ' || g || 'th time', "
                                + "(?::text[])[1 + g % 8], "
                                + "(ARRAY['feature','short','series','limited_series'])[1 + (g / 8) % 4], "
                                + "(ARRAY['idea','treatment','script','pre_production','production',"
                                + "'post_production','released'])[1 + (g / 3) % 7], "
                                + "(ARRAY['published','published','published','draft','archived'])[1 + (g / 5) % 5], "
                                + "(g * 2654435761) % 100000, "
                                // Spread over about a year, a few rows sharing each timestamp to exercise
                                // the id tie-breaker of keyset paging.
                                + "timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => (g / 3) * 97) "
                                + "FROM generate_series(1, ?) AS g")) {
            insertUsers.setLong(1, users);
            insertUsers.executeUpdate();
            insertPitches.setLong(1, users);
            insertPitches.setArray(2, connection.createArrayOf("text", GENRES));
            insertPitches.setLong(3, pitches);
            insertPitches.executeUpdate();
            connection.commit();
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
        log.info("Seeded {} users and {} pitches in {} ms", users, pitches, (System.nanoTime() - started) / 1_000_000);
    }

    /** How many users were requested. */
    public long users() {
        return users;
    }

    /** How many pitches were requested. */
    public long pitches() {
        return pitches;
    }
}
