package dev.coro.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Work a task handed to another thread (patch group {@code threads}): a thread it started, or work it gave an
 * executor. While one is pending its loop declares no deadlock, since it may still send on a channel, or set an
 * event, it was handed before it first touches it. The loop looks at them only when it is about to idle with nothing
 * of its own that could wake a task, and polls them then, as nothing tells it when they end.
 */
public abstract class Handoff {
    /**
     * The executor the work was given to, or null: once it has terminated, its work either ran or never will (queued
     * work that {@code shutdownNow()} drained). Not {@code isShutdown()}: after {@code shutdown()} queued work still
     * runs.
     */
    private final Executor executor;

    protected Handoff(Executor executor) {
        this.executor = executor;
    }

    /** Any thread: the work ran to its end, threw, or was cancelled. */
    protected abstract boolean ended();

    /** Loop thread: it can no longer wake a task. */
    final boolean over() {
        try {
            if (ended()) {
                return true;
            }
        } catch (RuntimeException e) {
            // a library's Future whose isDone() throws: polled from the loop itself, its exception would end
            // Coro.run with the tasks left running; it cannot tell, so the grace covers that work
            return true;
        }
        if (executor instanceof ExecutorService) {
            try {
                return ((ExecutorService) executor).isTerminated();
            } catch (RuntimeException e) {
                return false; // an executor of a library's that does not say: its work may still come
            }
        }
        return false;
    }

    /** A thread a task started: pending while it lives. */
    public static Handoff of(Thread t) {
        return new Handoff(null) {
            @Override
            protected boolean ended() {
                return !t.isAlive();
            }
        };
    }

    /** Work a task gave {@code executor} (null: one that never terminates) whose end {@code f} tells. */
    public static Handoff of(Future<?> f, Executor executor) {
        return new Handoff(executor) {
            @Override
            protected boolean ended() {
                return f.isDone();
            }
        };
    }
}
