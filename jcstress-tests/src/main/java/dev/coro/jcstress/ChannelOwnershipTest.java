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
 * A channel made inside a loop is used without its lock by that loop's thread; the first use from another thread
 * ends that through the owner loop's door (or at once, if the loop has ended). Here the owner loop sends 1, 2,
 * yields, sends 4, while a plain thread sends 3 as soon as it sees the channel: the revocation races with the
 * owner's unlocked sends and with the loop's end. Nothing lost, nothing duplicated, the owner's items in order.
 *
 * <p>Results: r1 = the owner's loop (0: ran), r2 = the plain thread (0: sent), r3 = the items drained afterwards,
 * as digits in order.
 */
@JCStressTest
@Outcome(id = {"0, 0, 1243", "0, 0, 1234", "0, 0, 1324", "0, 0, 3124"}, expect = Expect.ACCEPTABLE,
        desc = "every item once, the owner's in order")
@Outcome(id = {"-100, .*", ".*, -101, .*"}, expect = Expect.FORBIDDEN, desc = "a stall: revocation never finished")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else (lost, duplicated or reordered item)")
@State
public class ChannelOwnershipTest {
    volatile Channel<Integer> ch;

    @Actor
    public void owner(III_Result r) {
        r.r1 = Guard.run(() -> {
            Channel<Integer> c = Channel.unbounded();
            ch = c;
            c.trySend(1);
            c.trySend(2);
            Coro.yield(); // the door may run the revocation here
            c.trySend(4);
            return 0;
        });
    }

    @Actor
    public void other(III_Result r) {
        Channel<Integer> c = Guard.awaitPublished(() -> ch);
        if (c == null) {
            r.r2 = Guard.NEVER_PUBLISHED;
            return;
        }
        c.trySend(3);
        r.r2 = 0;
    }

    @Arbiter
    public void drain(III_Result r) {
        Channel<Integer> c = ch;
        int digits = 0;
        Integer v;
        while (c != null && (v = c.tryReceive()) != null) {
            digits = digits * 10 + v;
        }
        r.r3 = digits;
    }
}
