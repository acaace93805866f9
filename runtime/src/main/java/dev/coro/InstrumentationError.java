package dev.coro;

/**
 * Thrown by the first use of a class whose coroutine methods the agent could not rewrite, when the agent runs with
 * its {@code strict} option (later uses get a {@link NoClassDefFoundError}); the message is the agent's report:
 * class, method, line, reason and fix.
 *
 * <pre>{@code
 * // java -javaagent:coro-agent.jar=strict -cp app.jar Main
 * // -> dev.coro.InstrumentationError: coro could not rewrite com.acme.Foo:
 * //      error: com.acme.Foo.work()V: a native method cannot be a coroutine. Fix: ...
 * }</pre>
 */
public final class InstrumentationError extends LinkageError {
    private static final long serialVersionUID = 1L;

    public InstrumentationError(String report) {
        super(report);
    }
}
