package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.Coro;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Path 5, a wait's own timer against a hand-over: {@code receive(Duration)} on a loop races a plain thread's send.
 * The timer fires on the loop, the send completes the waiter's node from the other thread; one CAS decides. The item
 * is either returned by receive or stays in the channel, never lost, never both. The timeout varies per state, so
 * the expiry lands anywhere around the send.
 *
 * <p>Results: r1 = what receive returned (0 for null: timed out), r2 = what is left in the channel (0 for nothing).
 */
@JCStressTest
@Outcome(id = "42, 0", expect = Expect.ACCEPTABLE, desc = "received before the timeout")
@Outcome(id = "0, 42", expect = Expect.ACCEPTABLE, desc = "timed out; the item stayed in the channel")
@Outcome(id = "0, 0", expect = Expect.FORBIDDEN, desc = "timed out and the item is gone: lost")
@Outcome(id = "42, 42", expect = Expect.FORBIDDEN, desc = "received and still in the channel: duplicated")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class TimedReceiveVsSendTest {
    final Channel<Integer> ch = Channel.unbounded();
    final long timeoutNanos = ThreadLocalRandom.current().nextLong(1_000, 100_000);

    @Actor
    public void loop(II_Result r) {
        r.r1 = Coro.run(() -> {
            Integer v = ch.receive(Duration.ofNanos(timeoutNanos));
            return v == null ? 0 : v;
        });
    }

    @Actor
    public void plainSender() {
        ch.send(42); // unbounded: never waits
    }

    @Arbiter
    public void arbiter(II_Result r) {
        Integer left = ch.tryReceive();
        r.r2 = left == null ? 0 : left;
    }
}
