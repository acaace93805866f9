package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.Coro;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Path 5, the sender's side: {@code send(item, Duration)} on a rendezvous channel, on a loop, against a plain thread's
 * timed receive. The send's timer fires on the loop, the receiver takes the waiting sender's item from the other
 * thread; one CAS on the sender's node decides. Either the send reports the item sent and the receiver has it, or
 * the send reports it not sent and nobody has it. Both timeouts vary per state.
 *
 * <p>Results: r1 = what send returned (1 true, 0 false), r2 = what the receiver got (0 for nothing in time).
 */
@JCStressTest
@Outcome(id = "1, 42", expect = Expect.ACCEPTABLE, desc = "handed over in time")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "nobody took it in time: not sent, and nobody has it")
@Outcome(id = "1, 0", expect = Expect.FORBIDDEN, desc = "send says sent, yet nobody got it: lost")
@Outcome(id = "0, 42", expect = Expect.FORBIDDEN, desc = "send says not sent, yet it was received")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class TimedSendVsReceiveTest {
    final Channel<Integer> ch = Channel.bounded(0);
    final long sendNanos = ThreadLocalRandom.current().nextLong(1_000, 100_000);
    final long receiveNanos = ThreadLocalRandom.current().nextLong(1_000, 100_000);

    @Actor
    public void loop(II_Result r) {
        r.r1 = Coro.run(() -> ch.send(42, Duration.ofNanos(sendNanos)) ? 1 : 0);
    }

    @Actor
    public void plainReceiver(II_Result r) {
        Integer v = ch.receive(Duration.ofNanos(receiveNanos));
        r.r2 = v == null ? 0 : v;
    }
}
