package dev.coro.jcstress;

import dev.coro.Channel;
import dev.coro.ChannelClosedException;
import dev.coro.Coro;
import dev.coro.Task;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Path 4, close against send: a plain thread sends on a rendezvous channel while, on a loop, a coroutine receives and
 * another closes the channel. The item is either received (and send returns) or send throws ChannelClosedException
 * (and the receiver sees the close): never lost silently, never both.
 *
 * <p>Results: r1 = what the loop's receiver got (-1 for ChannelClosedException), r2 = send (1 returned, 0 threw).
 */
@JCStressTest
@Outcome(id = "42, 1", expect = Expect.ACCEPTABLE, desc = "the item was handed over before the close")
@Outcome(id = "-1, 0", expect = Expect.ACCEPTABLE, desc = "the close came first: send threw, the receiver saw the close")
@Outcome(id = "-1, 1", expect = Expect.FORBIDDEN, desc = "send returned but nobody received the item: lost")
@Outcome(id = "42, 0", expect = Expect.FORBIDDEN, desc = "send threw ChannelClosedException, yet its item was received")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class ChannelCloseVsSendTest {
    final Channel<Integer> ch = Channel.bounded(0);

    @Actor
    public void loop(II_Result r) {
        r.r1 = Coro.run(() -> {
            Task<Integer> receiver = Coro.spawn(() -> {
                try {
                    return ch.receive();
                } catch (ChannelClosedException e) {
                    return -1;
                }
            });
            Coro.yield(); // the receiver runs, and waits unless the sender is already there
            ch.close();
            return receiver.join();
        });
    }

    @Actor
    public void plainSender(II_Result r) {
        try {
            ch.send(42); // blocks until received, or until the close fails it
            r.r2 = 1;
        } catch (ChannelClosedException e) {
            r.r2 = 0;
        }
    }
}
