package dev.coro.jcstress;

import dev.coro.Coro;
import dev.coro.internal.Loop;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;

/**
 * Path 1 again, with the loop asleep in its selector rather than parked: a sibling task waits to accept a connection
 * that never comes, so the idle loop waits in {@code Selector.select} with no timeout but the guard's, and the door's
 * knock must wake the selector (without its {@code Selector.wakeup()}, samples stall: checked).
 * As in {@link ExternalSubmitTest}, the other thread submits two counters and then the completion of the future the
 * body waits for; each must run exactly once, in order, and none may be left in the door while the loop selects.
 */
@JCStressTest
@Outcome(id = "11", expect = Expect.ACCEPTABLE, desc = "both counters ran once, before the completion that followed them")
@Outcome(id = {"0", "1", "10"}, expect = Expect.FORBIDDEN, desc = "a counter was lost, or ran after a later item")
@Outcome(id = {"2", "12", "20", "21", "22"}, expect = Expect.FORBIDDEN, desc = "a counter ran twice")
@Outcome(id = "-100", expect = Expect.FORBIDDEN, desc = "lost wake-up: the loop selected 10 s with work in its door")
@Outcome(id = "-101", expect = Expect.FORBIDDEN, desc = "the loop actor never published its loop")
@Outcome(id = "-102", expect = Expect.FORBIDDEN, desc = "the server socket could not be opened")
@Outcome(expect = Expect.FORBIDDEN, desc = "anything else")
@State
public class ExternalSubmitWhileSelectingTest {
    private static final int NO_CHANNEL = -102;

    volatile Loop loop;
    final CompletableFuture<Integer> go = new CompletableFuture<>();
    int a, b; // loop thread only

    @Actor
    public void loop(I_Result r) {
        r.r1 = Guard.run(() -> {
            ServerSocket quiet;
            try { // made in the body, so it is coro's cooperative server socket
                quiet = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                return NO_CHANNEL; // the loop is not published: the submitter gives up after its spin
            }
            try (quiet) {
                // waits in the selector for a connection nobody makes; cancelled when the body returns
                Coro.spawn(() -> quiet.accept());
                loop = Loop.current();
                Coro.await(go); // suspends; the loop then has an IO wait and nothing ready: it selects
                return a * 10 + b;
            }
        });
    }

    @Actor
    public void submitter() {
        Guard.submitThenComplete(() -> loop, () -> a++, () -> b++, go);
    }
}
