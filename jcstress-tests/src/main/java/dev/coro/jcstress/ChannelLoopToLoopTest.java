package dev.coro.jcstress;

import dev.coro.Channel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Path 4, between loops: a rendezvous channel (capacity 0), a coroutine on loop A sends 1 then 2, a coroutine on
 * loop B receives twice. Every hand-over wakes a waiter on the other loop through its door, both ways. Nothing lost,
 * nothing duplicated, FIFO.
 *
 * <p>Results: r1 = what loop A's sends reported (0 both returned), r2 = what loop B received, as 10 * first + second.
 */
@JCStressTest
@Outcome(id = "0, 12", expect = Expect.ACCEPTABLE, desc = "both items received once, in order")
@Outcome(id = "0, 21", expect = Expect.FORBIDDEN, desc = "FIFO order broken")
@Outcome(id = {"-100, .*", ".*, -100"}, expect = Expect.FORBIDDEN, desc = "lost wake-up: a loop waited 10 s with a hand-over in its door")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else (lost or duplicated item)")
@State
public class ChannelLoopToLoopTest {
    final Channel<Integer> ch = Channel.bounded(0);

    @Actor
    public void loopA(II_Result r) {
        r.r1 = Guard.run(() -> {
            ch.send(1);
            ch.send(2);
            return 0;
        });
    }

    @Actor
    public void loopB(II_Result r) {
        r.r2 = Guard.run(() -> {
            int first = ch.receive();
            return first * 10 + ch.receive();
        });
    }
}
