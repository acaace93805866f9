package dev.coro.jcstress;

import dev.coro.Coro;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Path 6: {@code Coro.blocking} runs a call on a worker thread and hands its value back to the loop (the waiter's
 * node completed on the worker, the wake-up through the loop's door) while the loop goes idle and parks. Two loops
 * do it at once, sharing the worker pool. Each value arrives exactly once; each call runs exactly once. No guard
 * sleeper: the offloaded wait alone must keep each loop alive.
 *
 * <p>Results: r1, r2 = each loop's value, r3 = how many calls ran.
 */
@JCStressTest
@Outcome(id = "42, 43, 2", expect = Expect.ACCEPTABLE, desc = "each loop got its value; each call ran once")
@Outcome(id = {"-1, .*", ".*, -1, .*"}, expect = Expect.FORBIDDEN, desc = "a loop declared a deadlock while its call ran")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else (a value lost, swapped or a call run twice)")
@State
public class BlockingHandBackTest {
    final AtomicInteger calls = new AtomicInteger();

    @Actor
    public void loop1(III_Result r) {
        r.r1 = offload(42);
    }

    @Actor
    public void loop2(III_Result r) {
        r.r2 = offload(43);
    }

    private int offload(int value) {
        try {
            return Coro.run(() -> Coro.blocking(() -> {
                calls.incrementAndGet();
                return value;
            }));
        } catch (dev.coro.DeadlockException e) {
            return -1;
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r3 = calls.get();
    }
}
