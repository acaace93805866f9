package dev.coro.internal;

import java.util.function.Consumer;

/** Where coro's runtime warnings go: standard error unless a handler is installed. */
public final class Diagnostics {
    private static volatile Consumer<String> sink = msg -> System.err.println("coro: warning: " + msg);

    private Diagnostics() {
    }

    /** Replaces the warning handler; returns the previous one. */
    public static Consumer<String> setSink(Consumer<String> newSink) {
        Consumer<String> old = sink;
        sink = newSink == null ? m -> { } : newSink;
        return old;
    }

    static void warn(String message) {
        sink.accept(message);
    }
}
