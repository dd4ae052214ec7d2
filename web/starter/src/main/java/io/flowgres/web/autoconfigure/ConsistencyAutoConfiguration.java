package io.flowgres.web.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import io.flowgres.Flowgres;
import io.flowgres.web.routing.ConsistencyFilter;
import io.flowgres.web.routing.ConsistencyHeader;
import io.flowgres.web.routing.ConsistencyTokenSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * Read-your-writes over HTTP for a reactive web application: the {@link ConsistencyHeader} (signed
 * with {@code flowgres.consistency.secret}) and the {@link ConsistencyFilter} that carries it into
 * routing and answers the tokens of the request's writes.
 */
@AutoConfiguration(after = FlowgresAutoConfiguration.class)
@ConditionalOnFlowgresEnabled
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnBean(Flowgres.class)
public class ConsistencyAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ConsistencyAutoConfiguration.class);

    /** Creates the auto-configuration. */
    public ConsistencyAutoConfiguration() {
    }

    /**
     * The header codec.
     *
     * @param properties the Flowgres properties ({@code flowgres.consistency.secret})
     * @return the codec
     * @throws InvalidFlowgresPropertyException when the secret is shorter than 16 bytes
     */
    @Bean
    @ConditionalOnMissingBean
    public ConsistencyHeader flowgresConsistencyHeader(FlowgresProperties properties) {
        String secret = properties.getConsistency().getSecret();
        byte[] key;
        if (secret.isEmpty()) {
            log.warn("flowgres.consistency.secret is not set: using a random secret, so consistency tokens do not "
                    + "survive a restart and do not work across instances");
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        } else {
            key = secret.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return new ConsistencyHeader(new ConsistencyTokenSigner(key));
        } catch (IllegalArgumentException e) {
            throw new InvalidFlowgresPropertyException("flowgres.consistency.secret", e.getMessage(), e);
        }
    }

    /**
     * The filter.
     *
     * @param header the header codec
     * @return the filter
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "flowgres.consistency.filter", matchIfMissing = true)
    public ConsistencyFilter flowgresConsistencyFilter(ConsistencyHeader header) {
        return new ConsistencyFilter(header);
    }
}
