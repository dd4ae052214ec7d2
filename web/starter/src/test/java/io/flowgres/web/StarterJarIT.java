package io.flowgres.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/**
 * What an application that adds the starter gets, read from the packaged jar: auto-configuration and
 * metadata, and nothing of the reference service (no demo class, no {@code application*.properties}
 * that would configure the application, no migrations that Flyway would run).
 */
final class StarterJarIT {

    @Test
    void theJarHoldsTheAutoConfigurationAndNothingOfTheDemo() throws IOException {
        String path = System.getProperty("flowgres.starter.jar");
        assertThat(path).as("the packaged jar's path (set by the build)").isNotBlank();
        List<String> entries;
        try (JarFile jar = new JarFile(path)) {
            entries = Collections.list(jar.entries()).stream().map(JarEntry::getName).toList();
        }
        assertThat(entries).contains("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports",
                "META-INF/spring-configuration-metadata.json", "META-INF/spring.factories",
                "io/flowgres/web/autoconfigure/FlowgresAutoConfiguration.class",
                "io/flowgres/web/paging/KeysetBrowser.class");
        assertThat(entries).noneMatch(entry -> entry.startsWith("io/flowgres/reference/"))
                .noneMatch(entry -> entry.startsWith("db/"))
                .noneMatch(entry -> entry.matches("(.*/)?application(-[^/]*)?\\.(properties|ya?ml)"))
                .noneMatch(entry -> entry.endsWith("FlowgresApplication.class"));
    }
}
