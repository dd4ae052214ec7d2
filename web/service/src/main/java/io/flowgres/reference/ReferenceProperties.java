package io.flowgres.reference;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The reference service's own settings ({@code reference.*}): its demo data, its limits and its admin
 * routes. The library's settings are {@code flowgres.*}, in the starter; nothing here is part of it.
 * Unknown keys fail start-up, as they do for {@code flowgres.*}.
 */
@ConfigurationProperties(prefix = "reference", ignoreUnknownFields = false)
public class ReferenceProperties {

    private long users = 1000;
    private long pitches = 100_000;
    private String cursorSecret = "";
    private int batchLimit = 500;
    private int exportLimit = 4;
    private boolean exitWhenReady;

    /** Users seeded into an empty database. */
    public long getUsers() {
        return users;
    }

    /**
     * Sets the users to seed.
     *
     * @param users zero or more
     */
    public void setUsers(long users) {
        this.users = users;
    }

    /** Pitches seeded into an empty database. */
    public long getPitches() {
        return pitches;
    }

    /**
     * Sets the pitches to seed.
     *
     * @param pitches zero or more
     */
    public void setPitches(long pitches) {
        this.pitches = pitches;
    }

    /**
     * The secret that signs browse cursors and, through a key derived from it, consistency tokens;
     * empty for a random one per instance. Instances behind one load balancer must share it.
     */
    public String getCursorSecret() {
        return cursorSecret;
    }

    /**
     * Sets the cursor secret.
     *
     * @param cursorSecret the secret
     */
    public void setCursorSecret(String cursorSecret) {
        this.cursorSecret = cursorSecret;
    }

    /**
     * The largest number of pitches one {@code POST /api/pitches/batch} creates (default 500, at most
     * 5000); a longer array is refused with a 400 naming {@code items}.
     */
    public int getBatchLimit() {
        return batchLimit;
    }

    /**
     * Sets the batch limit; checked when the demo's routes are built, so a bad value stops start-up.
     *
     * @param batchLimit 1 to 5000
     */
    public void setBatchLimit(int batchLimit) {
        this.batchLimit = batchLimit;
    }

    /**
     * The exports ({@code GET /api/pitches/export}) one instance runs at once (default 4, at most
     * 1000); one more is refused at once with a 503 and {@code Retry-After}. Keep it below the
     * replicas' pool size, since each export holds a connection while its client reads.
     */
    public int getExportLimit() {
        return exportLimit;
    }

    /**
     * Sets the export limit; checked at start-up, so a bad value stops it.
     *
     * @param exportLimit 1 to 1000
     */
    public void setExportLimit(int exportLimit) {
        this.exportLimit = exportLimit;
    }
    /**
     * Whether the service shuts itself down once ready (after the warm-up): the build's
     * class-data-sharing training run only.
     */
    public boolean isExitWhenReady() {
        return exitWhenReady;
    }

    /**
     * Makes the service shut itself down once ready.
     *
     * @param exitWhenReady whether to
     */
    public void setExitWhenReady(boolean exitWhenReady) {
        this.exitWhenReady = exitWhenReady;
    }

    private final Admin admin = new Admin();

    /** The admin routes under {@code /api/admin}. */
    public Admin getAdmin() {
        return admin;
    }

    /** Access to admin operations and node details. */
    public static class Admin {

        private @Nullable String token;
        private boolean diagnosticsEnabled;

        /**
         * The token an authorised caller sends in the {@code X-Flowgres-Admin-Token} header; with no
         * token, admin routes do not exist (404) and node details are never shown.
         */
        public @Nullable String getToken() {
            return token;
        }

        /**
         * Sets the admin token.
         *
         * @param token a secret
         */
        public void setToken(@Nullable String token) {
            this.token = token;
        }

        /** Whether the diagnostic routes ({@code pg_sleep} queries, for drills and tests) exist. */
        public boolean isDiagnosticsEnabled() {
            return diagnosticsEnabled;
        }

        /**
         * Enables the diagnostic routes.
         *
         * @param diagnosticsEnabled whether they exist
         */
        public void setDiagnosticsEnabled(boolean diagnosticsEnabled) {
            this.diagnosticsEnabled = diagnosticsEnabled;
        }
    }
}
