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
