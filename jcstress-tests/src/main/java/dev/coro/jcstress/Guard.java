package dev.coro.jcstress;

import dev.coro.Coro;
import dev.coro.CoroutineCallable;
import dev.coro.internal.Loop;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Helpers shared by the tests: a loop that cannot hang an actor forever, and a bounded wait for what another actor
 * publishes. Not a test.
 */
final class Guard {
    /** An actor saw its loop wait {@link #STALL_MS} for a wake-up from another thread: a lost wake-up. */
    static final int STALLED = -100;
    /** A spin for another actor's publication ran out: that actor failed before publishing (see its outcome). */
    static final int NEVER_PUBLISHED = -101;

    /** Far longer than any hand-over between two threads takes, even on a loaded 2-core machine. */
    static final long STALL_MS = 10_000;

    private Guard() {
    }

    /**
     * {@code Coro.run(body)}, with a sibling task sleeping {@link #STALL_MS} meanwhile. If the sleeper wakes before
     * the body returns, the loop only woke for that timer: a wake-up from another thread was lost, and the result is
     * {@link #STALLED}. The sleeper also keeps the loop from declaring a deadlock while the body waits on a primitive
     * (channel, event...) that only another thread can complete: the runtime does not count such waits as external
     * (see {@link ChannelPlainToLoopTest}, which runs without this guard).
     */
    static int run(CoroutineCallable<Integer> body) {
        boolean[] stalled = new boolean[1];
        return Coro.run(() -> {
            long start = System.nanoTime();
            Coro.spawn(() -> {
                Coro.sleep(STALL_MS);
                stalled[0] = true;
            });
            Integer v = body.call();
            // the clock as well as the flag: when the sleeper's timer and the late work wake the loop in the same
            // turn, the body may resume before the sleeper sets its flag
            boolean late = System.nanoTime() - start >= STALL_MS * 1_000_000L;
            return stalled[0] || late ? STALLED : v;
        });
    }

    /** Spins until {@code what} gives non-null (another actor's publication); null after {@link #STALL_MS}. */
    static <T> T awaitPublished(Supplier<T> what) {
        T v = what.get();
        if (v != null) {
            return v;
        }
        long deadline = System.nanoTime() + STALL_MS * 1_000_000L;
        while ((v = what.get()) == null) {
            if (System.nanoTime() - deadline > 0) {
                return null;
            }
            Thread.onSpinWait();
        }
        return v;
    }

    /**
     * The submitting actor of the door tests: once the loop is published, hands it {@code first}, {@code second} and
     * then the completion of {@code go} (which the loop's body awaits) through {@code Loop.execute}, in that order.
     */
    static void submitThenComplete(Supplier<Loop> published, Runnable first, Runnable second,
                                   CompletableFuture<Integer> go) {
        Loop l = awaitPublished(published);
        if (l == null) {
            go.complete(NEVER_PUBLISHED);
            return;
        }
        l.execute(first);
        l.execute(second);
        l.execute(() -> go.complete(0)); // on the loop thread, after the two before it
    }

    /** Busy-waits about {@code nanos}: shifts an actor against the other one's timers. */
    static void spin(long nanos) {
        if (nanos <= 0) {
            return;
        }
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
