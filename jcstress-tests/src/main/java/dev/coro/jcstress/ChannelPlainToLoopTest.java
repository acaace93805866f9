package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.DeadlockException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Path 4, as a user writes it: a loop whose only coroutine receives from a channel, and a plain thread that sends.
 * No guard sleeper: the receive is the loop's only wait, and only the other thread can end it.
 *
 * <p>Results: r1 = what the loop received (-2 if Coro.run threw DeadlockException), r2 = what the arbiter still
 * finds in the channel (0 for nothing).
 */
@JCStressTest
@Outcome(id = "42, 0", expect = Expect.ACCEPTABLE, desc = "the loop received the item")
@Outcome(id = "-2, 42", expect = Expect.FORBIDDEN, desc = "the loop declared a deadlock while a plain thread was to send")
@Outcome(id = "-2, 0", expect = Expect.FORBIDDEN, desc = "deadlock declared after the item was handed to the dead receiver: item lost")
@Outcome(id = {"0, 0", "42, 42"}, expect = Expect.FORBIDDEN, desc = "item lost, or received twice")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class ChannelPlainToLoopTest {
    final Channel<Integer> ch = Channel.unbounded();

    @Actor
    public void loop(II_Result r) {
        try {
            r.r1 = Coro.run(() -> ch.receive());
        } catch (DeadlockException e) {
            r.r1 = -2;
        }
    }

    @Actor
    public void plainSender() {
        ch.send(42);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        Integer left = ch.tryReceive();
        r.r2 = left == null ? 0 : left;
    }
}
