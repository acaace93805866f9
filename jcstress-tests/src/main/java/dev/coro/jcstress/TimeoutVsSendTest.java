package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.Coro;
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
 * Path 5, a {@link Timeout} against a hand-over: a coroutine receives inside a try-with-resources Timeout that
 * expires about when a plain thread sends. The expiry interrupts the wait (abandoning its node), the send completes
 * the node; the Timeout is closed just as it may have fired. Either receive returns the item (and no
 * TimeoutExpiredException escapes the closed Timeout) or TimeoutExpiredException is thrown and the item stays.
 *
 * <p>Results: r1 = what receive returned (-1 for TimeoutExpiredException), r2 = what is left in the channel.
 */
@JCStressTest
@Outcome(id = "42, 0", expect = Expect.ACCEPTABLE, desc = "received before the timeout")
@Outcome(id = "-1, 42", expect = Expect.ACCEPTABLE, desc = "timed out; the item stayed in the channel")
@Outcome(id = "-1, 0", expect = Expect.FORBIDDEN, desc = "timed out and the item is gone: lost")
@Outcome(id = "42, 42", expect = Expect.FORBIDDEN, desc = "received and still in the channel: duplicated")
@Outcome(id = "-100, .*", expect = Expect.FORBIDDEN, desc = "lost wake-up: the loop waited 10 s")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class TimeoutVsSendTest {
    final Channel<Integer> ch = Channel.unbounded();
    final long timeoutNanos = ThreadLocalRandom.current().nextLong(1_000, 100_000);

    @Actor
    public void loop(II_Result r) {
        r.r1 = Guard.run(() -> {
            try (Timeout t = Timeout.after(Duration.ofNanos(timeoutNanos))) {
                return ch.receive();
            } catch (TimeoutExpiredException e) {
                return -1;
            }
        });
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
