package dev.coro.tests.differential;

/** The exception generated programs throw and catch; its message carries the values that led to it. */
public class GenEx extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GenEx(String message) {
        super(message);
    }
}
