package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Task;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Path 5 with a cancel: a task waits in {@code receive(Duration)}; a plain thread cancels it and then sends, while
 * the wait's own timer may fire. If the timer wakes the task and the cancel is requested before the task resumes,
 * the task throws CancellationException at its resumption: its node must still leave the channel's queue, or the
 * send that follows hands the item to a dead waiter.
 *
 * <p>Results: r1 = what join gave (42, 0 for null: timed out, -1 for CancellationException), r2 = what is left.
 */
@JCStressTest
@Outcome(id = "42, 0", expect = Expect.ACCEPTABLE, desc = "the send completed the wait first: the task returned the item")
@Outcome(id = {"-1, 42", "0, 42"}, expect = Expect.ACCEPTABLE, desc = "cancelled or timed out first: the item stayed in the channel")
@Outcome(id = {"-1, 0", "0, 0"}, expect = Expect.FORBIDDEN, desc = "cancelled or timed out, and the item is gone: handed to an abandoned waiter, lost")
@Outcome(id = "42, 42", expect = Expect.FORBIDDEN, desc = "received and still in the channel: duplicated")
@Outcome(id = "-100, .*", expect = Expect.FORBIDDEN, desc = "lost wake-up: the loop waited 10 s")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class CancelTimedReceiveVsSendTest {
    final Channel<Integer> ch = Channel.unbounded();
    final long timeoutNanos = ThreadLocalRandom.current().nextLong(1_000, 50_000);
    volatile Task<Integer> task;

    @Actor
    public void loop(II_Result r) {
        r.r1 = Guard.run(() -> {
            Task<Integer> t = Coro.spawn(() -> {
                Integer v = ch.receive(Duration.ofNanos(timeoutNanos));
                return v == null ? 0 : v;
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
    public void plainCancelThenSend() {
        Task<Integer> t = Guard.awaitPublished(() -> task);
        if (t != null) {
            t.cancel();
        }
        ch.send(42);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        Integer left = ch.tryReceive();
        r.r2 = left == null ? 0 : left;
    }
}
