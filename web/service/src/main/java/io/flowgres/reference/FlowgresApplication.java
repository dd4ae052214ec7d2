package io.flowgres.reference;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

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
     * Matches the service's routes before the Actuator's endpoints ({@link RoutesFirst}). Static: a
     * post-processor is created before the configuration it is declared in.
     *
     * @return the post-processor
     */
    @Bean
    static RoutesFirst routesFirst() {
        return new RoutesFirst();
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
