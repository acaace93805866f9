package dev.coro.jcstress;

import dev.coro.Coro;
import dev.coro.Task;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Path 2, across loops: a coroutine on loop B joins a task of loop A while it completes. The completion hands the
 * wake-up to loop B through its door; loop B counts the join as an external wait meanwhile, so it parks instead of
 * declaring a deadlock. No guard sleeper here: this wait alone must keep loop B alive.
 */
@JCStressTest
@Outcome(id = "42", expect = Expect.ACCEPTABLE, desc = "loop B's coroutine joined the value")
@Outcome(id = "-1", expect = Expect.FORBIDDEN, desc = "loop B declared a deadlock during a join on another loop's task")
@Outcome(id = "-101", expect = Expect.FORBIDDEN, desc = "loop A never published its task")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class JoinFromOtherLoopTest {
    volatile Task<Integer> task;

    @Actor
    public void loopA() {
        Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> 42);
            task = t;
            return t.join();
        });
    }

    @Actor
    public void loopB(I_Result r) {
        Task<Integer> t = Guard.awaitPublished(() -> task);
        if (t == null) {
            r.r1 = Guard.NEVER_PUBLISHED;
            return;
        }
        try {
            r.r1 = Coro.run(() -> t.join());
        } catch (dev.coro.DeadlockException e) {
            r.r1 = -1;
        }
    }
}
