package dev.coro.jcstress;

import dev.coro.Coro;
import dev.coro.Task;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Path 2: a task completes on its loop while a plain thread joins it (CAS'd waiter list against the completing
 * getAndSet). The plain thread must always get the value, and see the task done once join returns.
 */
@JCStressTest
@Outcome(id = "42, 1", expect = Expect.ACCEPTABLE, desc = "the plain join returned the value; the task is done")
@Outcome(id = "42, 0", expect = Expect.FORBIDDEN, desc = "join returned but isDone() is false")
@Outcome(id = {"0, 0", "0, 1"}, expect = Expect.FORBIDDEN, desc = "join returned the default, not the value")
@Outcome(id = "-101, 0", expect = Expect.FORBIDDEN, desc = "the loop actor never published its task")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class JoinFromPlainThreadTest {
    volatile Task<Integer> task;

    @Actor
    public void loop() {
        Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> 42);
            task = t;
            return t.join(); // the loop's own join: the task runs now
        });
    }

    @Actor
    public void plainJoiner(II_Result r) {
        Task<Integer> t = Guard.awaitPublished(() -> task);
        if (t == null) {
            r.r1 = Guard.NEVER_PUBLISHED;
            return;
        }
        r.r1 = t.join(); // blocks this thread until the loop completes the task
        r.r2 = t.isDone() ? 1 : 0;
    }
}
