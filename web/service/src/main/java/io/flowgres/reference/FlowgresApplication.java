package io.flowgres.reference;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The reference service: Flowgres behind WebFlux endpoints on a demo domain of film pitches. With
 * no database configured it starts its own local PostgreSQL primary and replicas.
 */
@SpringBootApplication
@EnableConfigurationProperties(ReferenceProperties.class)
public class FlowgresApplication {

    /** Not instantiated by hand; Spring creates it. */
    public FlowgresApplication() {
    }

    /**
     * Runs the service.
     *
     * @param args command-line arguments, e.g. {@code --server.port=9090}
     */
    public static void main(String[] args) {
        SpringApplication.run(FlowgresApplication.class, args);
    }
}
