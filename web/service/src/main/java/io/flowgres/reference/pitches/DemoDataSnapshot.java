package io.flowgres.reference.pitches;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import io.flowgres.reference.FlowgresApplication;
import io.flowgres.reference.ReferenceProperties;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.system.ApplicationHome;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Points the embedded cluster at a snapshot of the seeded demo data (issue #16: start-up), before the
 * starter begins the cluster: the seed and its indexes are built once, by the first start (the build's
 * class-data-sharing run does it), and later starts copy them in a fraction of a second.
 *
 * <p>Defaults only, each set unless the application's configuration sets it:
 * <ul>
 *   <li>{@code flowgres.embedded.snapshot.directory}: {@code demo-snapshot} beside the service's jar, when
 *       that jar is the application launched ({@code java -jar}); run from classes, as in tests, or as a
 *       jar among others on a class path (a Maven repository's copy, say), every start seeds afresh;</li>
 *   <li>{@code flowgres.embedded.snapshot.label}: a hash of everything that decides the demo data (the
 *       migrations under {@code db/reference}, the seeding code, {@code reference.users} and
 *       {@code reference.pitches}), so a snapshot of other data is never used, only replaced.</li>
 * </ul>
 * Registered in {@code META-INF/spring.factories}.
 */
public final class DemoDataSnapshot implements EnvironmentPostProcessor {

    static final String DIRECTORY = "flowgres.embedded.snapshot.directory";
    static final String LABEL = "flowgres.embedded.snapshot.label";

    /** Created by Spring Boot from {@code META-INF/spring.factories}. */
    public DemoDataSnapshot() {
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new HashMap<>();
        if (!environment.containsProperty(DIRECTORY)) {
            File jar = new ApplicationHome(FlowgresApplication.class).getSource();
            if (jar != null && jar.isFile() && jar.getName().endsWith(".jar") && isLaunched(jar)) {
                defaults.put(DIRECTORY, new File(jar.getAbsoluteFile().getParentFile(), "demo-snapshot").getPath());
            }
        }
        if (!environment.containsProperty(LABEL)) {
            ReferenceProperties unset = new ReferenceProperties();
            try {
                defaults.put(LABEL, label(environment.getProperty("reference.users", Long.class, unset.getUsers()),
                        environment.getProperty("reference.pitches", Long.class, unset.getPitches())));
            } catch (org.springframework.core.convert.ConversionException e) {
                // Not a number: the reference properties' binding reports it, naming the key; no snapshot meanwhile.
                defaults.remove(DIRECTORY);
            }
        }
        environment.getPropertySources().addLast(new MapPropertySource("flowgresDemoDataSnapshot", defaults));
    }

    /** Whether the jar is what {@code java -jar} launched: the whole class path, not one jar among others. */
    private static boolean isLaunched(File jar) {
        File classPath = new File(System.getProperty("java.class.path", ""));
        return classPath.getAbsoluteFile().toPath().normalize().equals(jar.getAbsoluteFile().toPath().normalize());
    }

    /**
     * Names the demo data these settings and this build produce.
     *
     * @param users the users seeded
     * @param pitches the pitches seeded
     * @return {@code demo-} and 16 hex digits of a SHA-256 over the migrations, the seeding class and the counts
     */
    static String label(long users, long pitches) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            PathMatchingResourcePatternResolver resources =
                    new PathMatchingResourcePatternResolver(DemoDataSnapshot.class.getClassLoader());
            Resource[] migrations = resources.getResources("classpath*:db/reference/*");
            Arrays.sort(migrations, Comparator.comparing(DemoDataSnapshot::name));
            for (Resource migration : migrations) {
                digest.update(name(migration).getBytes(StandardCharsets.UTF_8));
                digest.update(bytes(migration));
            }
            digest.update(bytes(resources.getResource(
                    "classpath:" + DemoDatabase.class.getName().replace('.', '/') + ".class")));
            digest.update((users + "/" + pitches).getBytes(StandardCharsets.UTF_8));
            return "demo-" + HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo migrations: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String name(Resource resource) {
        @Nullable String name = resource.getFilename();
        return name == null ? "" : name;
    }

    private static byte[] bytes(Resource resource) throws IOException {
        try (InputStream in = resource.getInputStream()) {
            return in.readAllBytes();
        }
    }
}
