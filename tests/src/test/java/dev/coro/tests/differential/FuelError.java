package dev.coro.tests.differential;

/**
 * Thrown when a generated program used up its budget of loop iterations and calls. Generated code never catches
 * an {@link Error}, so it ends the top-level call it happens in (running the {@code finally} blocks on the way).
 * Deterministic: both variants of a program run out at the same point.
 */
public final class FuelError extends Error {
    private static final long serialVersionUID = 1L;

    public FuelError(String message) {
        super(message, null, false, false);
    }
}
