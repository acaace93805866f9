package dev.coro.internal;

import java.io.PrintWriter;
import java.io.StringWriter;

/** What happens to the exception of a task that failed. */
final class Failures {
    private Failures() {
    }

    static void taskFailed(CoTask<?> t, Throwable error) {
        StringWriter w = new StringWriter();
        error.printStackTrace(new PrintWriter(w));
        Diagnostics.warn("task " + t.name() + " failed and nobody was joining it: " + w);
    }
}
