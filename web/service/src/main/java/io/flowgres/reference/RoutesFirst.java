package io.flowgres.reference;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;

/**
 * Puts the service's functional routes before the Actuator's endpoint mapping. WebFlux asks its
 * handler mappings in order and Boot orders the Actuator's first ({@code -100}, routes at
 * {@code -1}), so every API request was first matched against each Actuator endpoint's patterns: 3 %
 * of the service's CPU under a point-read load (load-tests/README.md, issue #16). The routes are all
 * under {@code /api/} and the Actuator under {@code /actuator/}, so the order changes no answer.
 */
final class RoutesFirst implements BeanPostProcessor {

    /** Before the Actuator's endpoint mapping ({@code -100}). */
    static final int ROUTES_ORDER = -200;

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof RouterFunctionMapping routes) {
            routes.setOrder(ROUTES_ORDER);
        }
        return bean;
    }
}
