package dev.coro;

/**
 * Thrown when a class whose coroutine methods the agent could not rewrite is initialised while the agent runs with
 * its {@code strict} option; the message is the agent's report (class, method, line, reason and fix).
 *
 * <pre>{@code
 * // java -javaagent:coro-agent.jar=strict -cp app.jar Main
 * // -> ExceptionInInitializerError caused by InstrumentationError: coro could not rewrite ...
 * }</pre>
 */
public final class InstrumentationError extends LinkageError {
    private static final long serialVersionUID = 1L;

    public InstrumentationError(String report) {
        super(report);
    }
}
