package dev.coro.jcstress;

import dev.coro.Coro;
import dev.coro.internal.Loop;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import java.util.concurrent.CompletableFuture;

/**
 * Path 1: work submitted to a loop from another thread ({@code Loop.execute}, the loop's only door). The loop's
 * coroutine waits for a future (an external wait: nothing else runs, so the loop parks); the other thread submits
 * three items through the door: two counters, then the completion of that future. The loop may be running, about
 * to park, or parked meanwhile. Each item must run exactly once, in order, so the coroutine resumes after both
 * counters ran; no submission may be left in the door while the loop sleeps.
 */
@JCStressTest
@Outcome(id = "11", expect = Expect.ACCEPTABLE, desc = "both counters ran once, before the completion that followed them")
@Outcome(id = {"0", "1", "10"}, expect = Expect.FORBIDDEN, desc = "a counter was lost, or ran after a later item")
@Outcome(id = {"2", "12", "20", "21", "22"}, expect = Expect.FORBIDDEN, desc = "a counter ran twice")
@Outcome(id = "-100", expect = Expect.FORBIDDEN, desc = "lost wake-up: the loop slept 10 s with work in its door")
@Outcome(id = "-101", expect = Expect.FORBIDDEN, desc = "the loop actor never published its loop")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class ExternalSubmitTest {
    volatile Loop loop;
    final CompletableFuture<Integer> go = new CompletableFuture<>();
    int a, b; // loop thread only

    @Actor
    public void loop(I_Result r) {
        r.r1 = Guard.run(() -> {
            loop = Loop.current();
            Coro.await(go); // suspends: an external wait, the loop parks with nothing else to do
            return a * 10 + b;
        });
    }

    @Actor
    public void submitter() {
        Guard.submitThenComplete(() -> loop, () -> a++, () -> b++, go);
    }
}
