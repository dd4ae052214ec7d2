package io.flowgres.web.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * Matches unless {@code flowgres.enabled=false}: every Flowgres auto-configuration carries it, so
 * that one property turns the whole starter off (for a test slice, or a build that ships it unused).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@ConditionalOnBooleanProperty(name = "flowgres.enabled", matchIfMissing = true)
public @interface ConditionalOnFlowgresEnabled {
}
