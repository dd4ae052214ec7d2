package io.flowgres.web.autoconfigure;

import org.jspecify.annotations.Nullable;

/**
 * A {@code flowgres.*} property has a value Flowgres cannot use; thrown at start-up so that the
 * service never runs with a half-valid configuration. The message names the property and never
 * contains a password.
 */
public class InvalidFlowgresPropertyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String property;

    /**
     * Creates the error.
     *
     * @param property the property (or prefix) at fault
     * @param reason what is wrong with it
     * @param cause the validation error
     */
    public InvalidFlowgresPropertyException(String property, @Nullable String reason, Throwable cause) {
        super(property + ": " + reason, cause);
        this.property = property;
    }

    /** The property (or prefix) at fault. */
    public String property() {
        return property;
    }
}
