package dev.coro.internal;

import dev.coro.Task;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.BiConsumer;

/** What happens to the exception of a task that failed while nobody was waiting for it. */
public final class Failures {
    private static final BiConsumer<Task<?>, Throwable> DEFAULT = (t, e) -> {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        Diagnostics.warn("task " + t.name() + " failed and nobody was joining it: " + w);
    };
    private static volatile BiConsumer<Task<?>, Throwable> handler = DEFAULT;

    private Failures() {
    }

    /** Replaces the handler (null restores the default, which prints the task's name and stack). */
    public static void setHandler(BiConsumer<Task<?>, Throwable> h) {
        handler = h == null ? DEFAULT : h;
    }

    /**
     * The exception of type {@code signal} that {@code e} is or wraps (its cause chain), or null. Coro's own
     * signals, a cancel's {@code CancellationException} and a timeout's expiry, pass through the code they unwind,
     * and a library wraps whatever it catches (Jackson, a JDBC driver): they must still be told from a failure.
     */
    public static <T extends Throwable> T signal(Throwable e, Class<T> signal) {
        for (int depth = 0; e != null && depth < 32; depth++, e = e.getCause()) { // bounded: a cycle of causes
            if (signal.isInstance(e)) {
                return signal.cast(e);
            }
        }
        return null;
    }

    static void taskFailed(CoTask<?> t, Throwable error) {
        try {
            handler.accept(t, error);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            DEFAULT.accept(t, error); // a broken handler must not take the loop down, nor hide the failure
        }
    }
}
