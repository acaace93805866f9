package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.Timeout;
import dev.coro.TimeoutExpiredException;
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
 * Path 5, two timers on one wait against a hand-over: {@code receive(Duration)} inside a Timeout that expires a
 * little later. When both timers come due in the same turn of the loop, the receive's own timer wakes the task and
 * the Timeout's expiry is then thrown at the wait's resumption; either way the wait's node must leave the channel's
 * queue, so a send racing with (or following) the expiry leaves its item in the channel. The sender starts after a
 * varying delay, to land before, during or after the expiry.
 *
 * <p>Results: r1 = receive's result (42, 0 for null, -1 for TimeoutExpiredException), r2 = what is left.
 */
@JCStressTest
@Outcome(id = "42, 0", expect = Expect.ACCEPTABLE, desc = "received before the timeouts")
@Outcome(id = {"0, 42", "-1, 42"}, expect = Expect.ACCEPTABLE, desc = "timed out (own timer, or the Timeout); the item stayed in the channel")
@Outcome(id = {"0, 0", "-1, 0"}, expect = Expect.FORBIDDEN, desc = "timed out and the item is gone: handed to an abandoned waiter, lost")
@Outcome(id = "42, 42", expect = Expect.FORBIDDEN, desc = "received and still in the channel: duplicated")
@Outcome(id = "-100, .*", expect = Expect.FORBIDDEN, desc = "lost wake-up: the loop waited 10 s")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class TimedReceiveInTimeoutVsSendTest {
    final Channel<Integer> ch = Channel.unbounded();
    final long senderDelayNanos = ThreadLocalRandom.current().nextLong(0, 200_000);

    @Actor
    public void loop(II_Result r) {
        r.r1 = Guard.run(() -> {
            // the receive's own timer is due first; the Timeout 20 us later, so a late wake-up sees both due
            try (Timeout t = Timeout.after(Duration.ofNanos(30_000))) {
                Integer v = ch.receive(Duration.ofNanos(10_000));
                return v == null ? 0 : v;
            } catch (TimeoutExpiredException e) {
                return -1;
            }
        });
    }

    @Actor
    public void plainSender() {
        Guard.spin(senderDelayNanos);
        ch.send(42);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        Integer left = ch.tryReceive();
        r.r2 = left == null ? 0 : left;
    }
}
