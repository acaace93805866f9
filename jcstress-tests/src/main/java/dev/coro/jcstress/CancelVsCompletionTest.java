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

import java.util.concurrent.CancellationException;

/**
 * Path 3: {@code cancel()} from a plain thread against the task completing on its loop. Exactly one side wins, and
 * everyone agrees: cancel() true means the task ends cancelled (join throws CancellationException, isCancelled()
 * true); cancel() false means it completed with its value.
 *
 * <p>Results: r1 = cancel() (1 true, 0 false), r2 = what join gave on the loop (42, or -1 for
 * CancellationException), r3 = isCancelled() afterwards.
 */
@JCStressTest
@Outcome(id = "1, -1, 1", expect = Expect.ACCEPTABLE, desc = "cancel won: the task never ran, or ended cancelled")
@Outcome(id = "0, 42, 0", expect = Expect.ACCEPTABLE, desc = "completion won: cancel() found the task done")
@Outcome(id = "1, 42, 0", expect = Expect.ACCEPTABLE, desc = "cancel() was in time to be seen, but the task finished before any suspension point: it ends normally with its value (Task.cancel's contract)")
@Outcome(id = {"0, -1, 1", "0, -1, 0"}, expect = Expect.FORBIDDEN, desc = "cancel() returned false, yet the task was cancelled")
@Outcome(id = {"1, 42, 1", "0, 42, 1"}, expect = Expect.FORBIDDEN, desc = "join returned the value, yet isCancelled() says cancelled: the two sides disagree")
@Outcome(id = "1, -1, 0", expect = Expect.FORBIDDEN, desc = "join threw CancellationException, yet isCancelled() says not cancelled: the two sides disagree")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class CancelVsCompletionTest {
    volatile Task<Integer> task;

    @Actor
    public void loop(III_Result r) {
        r.r2 = Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> 42);
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
        Task<Integer> t = task;
        r.r3 = t == null ? Guard.NEVER_PUBLISHED : t.isCancelled() ? 1 : 0;
    }
}
