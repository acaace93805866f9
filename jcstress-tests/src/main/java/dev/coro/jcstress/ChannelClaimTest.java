package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.Coro;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A channel made outside any loop belongs to the first loop that uses it, unless a plain thread uses it first; the
 * two race here for the first use. The loop sends 1, 2, yields, sends 4, while a plain thread sends 3: whoever
 * claims first, the other either locks from the start or revokes the loop's ownership through its door. Nothing
 * lost, nothing duplicated, the loop's items in order.
 *
 * <p>Results: r1 = the loop (0: ran), r2 = the plain thread (0: sent), r3 = the items drained afterwards, as digits
 * in order.
 */
@JCStressTest
@Outcome(id = {"0, 0, 1243", "0, 0, 1234", "0, 0, 1324", "0, 0, 3124"}, expect = Expect.ACCEPTABLE,
        desc = "every item once, the loop's in order")
@Outcome(id = "-100, .*", expect = Expect.FORBIDDEN, desc = "a stall: revocation never finished")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else (lost, duplicated or reordered item)")
@State
public class ChannelClaimTest {
    final Channel<Integer> ch = Channel.unbounded();

    @Actor
    public void loop(III_Result r) {
        r.r1 = Guard.run(() -> {
            ch.trySend(1);
            ch.trySend(2);
            Coro.yield(); // the door may run the revocation here
            ch.trySend(4);
            return 0;
        });
    }

    @Actor
    public void plain(III_Result r) {
        ch.trySend(3);
        r.r2 = 0;
    }

    @Arbiter
    public void drain(III_Result r) {
        int digits = 0;
        Integer v;
        while ((v = ch.tryReceive()) != null) {
            digits = digits * 10 + v;
        }
        r.r3 = digits;
    }
}
