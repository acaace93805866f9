package dev.coro.jcstress;

import dev.coro.Coro;
import dev.coro.Task;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Path 5, a timer against its cancel: a task made with {@code Coro.spawnLater} is cancelled from a plain thread about
 * when its start time comes. Its body runs exactly once or never, and cancel(), join and the count agree: a cancel
 * that found the task not yet done and not yet started means it never runs.
 *
 * <p>Results: r1 = cancel() (1 true, 0 false), r2 = how often the body ran, r3 = what join gave on the loop (42, or
 * -1 for CancellationException).
 */
@JCStressTest
@Outcome(id = "1, 0, -1", expect = Expect.ACCEPTABLE, desc = "cancel won: the body never ran")
@Outcome(id = "0, 1, 42", expect = Expect.ACCEPTABLE, desc = "the timer won: cancel() found the task done")
@Outcome(id = "1, 1, 42", expect = Expect.ACCEPTABLE, desc = "cancel() came while the body ran, which has no suspension point: it ends with its value (Task.cancel's contract)")
@Outcome(id = "[01], 2, .*", expect = Expect.FORBIDDEN, desc = "the body ran twice")
@Outcome(id = "[01], 1, -1", expect = Expect.FORBIDDEN, desc = "the body ran, yet the task ended cancelled")
@Outcome(id = "[01], 0, 42", expect = Expect.FORBIDDEN, desc = "the task has a value, yet its body never ran")
@Outcome(id = "0, 0, -1", expect = Expect.FORBIDDEN, desc = "cancel() returned false, yet the task was cancelled")
@Outcome(id = ".*, -100", expect = Expect.FORBIDDEN, desc = "lost wake-up: the loop waited 10 s")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class SpawnLaterCancelVsFireTest {
    final AtomicInteger runs = new AtomicInteger();
    final long delayNanos = ThreadLocalRandom.current().nextLong(1_000, 100_000);
    volatile Task<Integer> task;

    @Actor
    public void loop(III_Result r) {
        r.r3 = Guard.run(() -> {
            Task<Integer> t = Coro.spawnLater(Duration.ofNanos(delayNanos), () -> {
                runs.incrementAndGet();
                return 42;
            });
            task = t;
            try {
                return t.join();
            } catch (CancellationException e) {
                return -1;
            }
        });
    }

    @Actor
    public void canceller(III_Result r) {
        Task<Integer> t = Guard.awaitPublished(() -> task);
        r.r1 = t == null ? Guard.NEVER_PUBLISHED : t.cancel() ? 1 : 0;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r2 = runs.get();
    }
}
