package io.flowgres.cluster;

import java.util.Objects;
import java.util.regex.Pattern;

import io.flowgres.internal.Checks;
import io.flowgres.cluster.PoolPolicy;
import io.r2dbc.spi.ConnectionFactoryOptions;
import org.jspecify.annotations.Nullable;

/**
 * One node as configured: a name, an {@code r2dbc:postgresql://host:port/database} URL, a static
 * balancing weight and an optional pool policy that overrides the cluster's.
 *
 * <p>The URL is validated when the value is made, so a typo fails at start-up, not at the first
 * query. Credentials belong in {@link ClusterConfig}; a password written into the URL is accepted
 * but never shown: {@link #toString()} and every error message use {@link #displayUrl()}.
 */
public final class NodeConfig {

    /** Default balancing weight. */
    public static final double DEFAULT_WEIGHT = 1.0;

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    private final String name;
    private final String url;
    private final String host;
    private final int port;
    private final String database;
    private final double weight;
    private final @Nullable PoolPolicy pool;

    private NodeConfig(String name, String url, String host, int port, String database, double weight,
            @Nullable PoolPolicy pool) {
        this.name = name;
        this.url = url;
        this.host = host;
        this.port = port;
        this.database = database;
        this.weight = weight;
        this.pool = pool;
    }

    /**
     * Makes a node configuration with the default weight.
     *
     * @param name a short name used in metrics and logs: letters, digits, {@code _ . -}, up to 63
     * @param url an {@code r2dbc:postgresql://host[:port]/database} URL
     * @return the configuration
     * @throws IllegalArgumentException when the name or URL is not acceptable; the message never
     *         contains the URL's password
     */
    public static NodeConfig of(String name, String url) {
        Checks.notNull(name, "node name");
        Checks.notNull(url, "node url");
        Checks.argument(NAME.matcher(name).matches(),
                "node name must be 1-63 letters, digits, '_', '.' or '-' starting with a letter or digit, was '%s'",
                name);
        String shown = redact(url);
        Checks.argument(url.startsWith("r2dbc:postgresql://"),
                "%s url must start with r2dbc:postgresql://, was '%s'", name, shown);
        ConnectionFactoryOptions options;
        try {
            options = ConnectionFactoryOptions.parse(url);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " url is malformed, was '" + shown + "'");
        }
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        Checks.argument(host != null && !host.toString().isBlank(), "%s url must name a host, was '%s'", name, shown);
        Checks.argument(HOST.matcher(host.toString()).matches(), "%s url has a malformed host or port, was '%s'", name,
                shown);
        Object port = options.getValue(ConnectionFactoryOptions.PORT);
        int portNumber = port == null ? 5432 : Integer.parseInt(port.toString());
        Checks.argument(portNumber > 0 && portNumber < 65536, "%s url port must be 1-65535, was %s", name, portNumber);
        Object database = options.getValue(ConnectionFactoryOptions.DATABASE);
        Checks.argument(database != null && !database.toString().isBlank(), "%s url must name a database, was '%s'",
                name, shown);
        return new NodeConfig(name, url, host.toString(), portNumber, database.toString(), DEFAULT_WEIGHT, null);
    }

    /**
     * A copy with another balancing weight; a replica with weight 2 takes about twice the reads of
     * one with weight 1 when both are equally fast.
     *
     * @param weight greater than 0, at most 1000
     * @return the copy
     */
    public NodeConfig withWeight(double weight) {
        Checks.argument(weight > 0 && weight <= 1000 && Double.isFinite(weight),
                "%s weight must be > 0 and <= 1000, was %s", name, weight);
        return new NodeConfig(name, url, host, port, database, weight, pool);
    }

    /**
     * A copy whose pool follows its own policy instead of the cluster's.
     *
     * @param pool the node's pool policy
     * @return the copy
     */
    public NodeConfig withPool(PoolPolicy pool) {
        return new NodeConfig(name, url, host, port, database, weight, Checks.notNull(pool, name + " pool"));
    }

    /** The node's name. */
    public String name() {
        return name;
    }

    /** The URL as given; may contain secrets, so never log it: use {@link #displayUrl()}. */
    public String url() {
        return url;
    }

    /** The URL without user information or options: {@code r2dbc:postgresql://host:port/database}. */
    public String displayUrl() {
        return "r2dbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** The host name or address. */
    public String host() {
        return host;
    }

    /** The TCP port. */
    public int port() {
        return port;
    }

    /** The database name. */
    public String database() {
        return database;
    }

    /** The static balancing weight. */
    public double weight() {
        return weight;
    }

    /** The node's own pool policy, or {@code null} to use the cluster's. */
    public @Nullable PoolPolicy pool() {
        return pool;
    }

    /**
     * Removes the user information and query options of a URL-like string so that it can be shown.
     *
     * @param url any string
     * @return the string with {@code //user:password@} reduced to {@code //} and options removed
     */
    static String redact(String url) {
        String shown = url.replaceAll("//[^/@]*@", "//");
        int query = shown.indexOf('?');
        return query < 0 ? shown : shown.substring(0, query) + "?…";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NodeConfig that && name.equals(that.name) && url.equals(that.url)
                && weight == that.weight && Objects.equals(pool, that.pool);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, url, weight);
    }

    @Override
    public String toString() {
        return "NodeConfig{" + name + " " + displayUrl() + ", weight=" + weight + (pool == null ? "" : ", " + pool)
                + "}";
    }
}
