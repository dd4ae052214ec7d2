package io.flowgres.internal.exec;

/**
 * Carries a failed attempt's facts with its error from the attempt to the retry decision; never
 * escapes the executor (the decision translates the cause).
 */
final class AttemptFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Attempt attempt;

    AttemptFailure(Attempt attempt, Throwable cause) {
        super(cause.toString(), cause, false, false);
        this.attempt = attempt;
    }

    Attempt attempt() {
        return attempt;
    }
}
