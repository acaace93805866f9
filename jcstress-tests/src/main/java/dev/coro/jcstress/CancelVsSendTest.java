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

import java.util.concurrent.CancellationException;

/**
 * Paths 3 and 4 together: a task waits in {@code receive()}; a plain thread cancels it and then sends. The cancel
 * (abandoning the wait's node on the loop) races the send (completing it). What was handed over is never lost: the
 * task returns the item if the send won, else the item stays in the channel.
 *
 * <p>Results: r1 = what join gave (42, or -1 for CancellationException), r2 = what is left in the channel.
 */
@JCStressTest
@Outcome(id = "42, 0", expect = Expect.ACCEPTABLE, desc = "the send completed the wait first: the task returned the item")
@Outcome(id = "-1, 42", expect = Expect.ACCEPTABLE, desc = "the cancel ended the wait first: the item stayed in the channel")
@Outcome(id = "-1, 0", expect = Expect.FORBIDDEN, desc = "cancelled and the item is gone: handed to an abandoned waiter, lost")
@Outcome(id = "42, 42", expect = Expect.FORBIDDEN, desc = "received and still in the channel: duplicated")
@Outcome(id = "-100, .*", expect = Expect.FORBIDDEN, desc = "lost wake-up: the loop waited 10 s")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class CancelVsSendTest {
    final Channel<Integer> ch = Channel.unbounded();
    volatile Task<Integer> task;

    @Actor
    public void loop(II_Result r) {
        r.r1 = Guard.run(() -> {
            Task<Integer> t = Coro.spawn(() -> ch.receive());
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
