package io.flowgres.web.autoconfigure;

/** The embedded local cluster used when no primary URL is configured. */
public class EmbeddedProperties {

    /** Whether to start a local cluster (needs flowgres-test on the classpath) when no primary URL is set. */
    private boolean enabled;

    /** How many streaming replicas the local cluster has (0 or more). */
    private int replicas = 2;

    /** A saved copy of prepared data to start from instead of an empty database. */
    private final Snapshot snapshot = new Snapshot();

    /** The data snapshot to start from. */
    public Snapshot getSnapshot() {
        return snapshot;
    }

    /** Whether the local cluster is started. */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Enables the local cluster.
     *
     * @param enabled whether to start it
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The number of local replicas. */
    public int getReplicas() {
        return replicas;
    }

    /**
     * Sets the number of local replicas.
     *
     * @param replicas 0 or more
     */
    public void setReplicas(int replicas) {
        this.replicas = replicas;
    }

    /**
     * A data snapshot for the embedded cluster (issue #16: start-up): with a directory set, the cluster
     * starts from a copy of the snapshot saved there with the same label (and credentials and PostgreSQL
     * installation) instead of an empty {@code initdb}; the application saves one with
     * {@code LocalCluster.saveSnapshot()} once it has prepared its data. The label names that data (e.g.
     * a hash of the migrations and seed), so a snapshot of anything else is never used.
     */
    public static class Snapshot {

        /** Where the snapshot is, or is saved; none by default or when empty (every start is then empty). */
        private String directory = "";

        /** What the snapshot's data is, as the application names it. */
        private String label = "";

        /** The snapshot directory; empty for none. */
        public String getDirectory() {
            return directory;
        }

        /**
         * Sets the snapshot directory (a path; empty turns snapshots off, e.g. on the command line
         * {@code --flowgres.embedded.snapshot.directory=}).
         *
         * @param directory where snapshots are read and saved, or empty for none
         */
        public void setDirectory(String directory) {
            this.directory = directory == null ? "" : directory.strip();
        }

        /** The label a snapshot must carry to be used. */
        public String getLabel() {
            return label;
        }

        /**
         * Sets the label.
         *
         * @param label what the data is
         */
        public void setLabel(String label) {
            this.label = label;
        }
    }
}
