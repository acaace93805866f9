package dev.coro.bench;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.ROUND_TRIPS;

/**
 * Channel ping-pong, coro: ns per round trip between two coroutines of one loop. The body sends a ball on
 * {@code ping}, the spawned echo task receives it and sends it back on {@code pong}, {@link Shape#ROUND_TRIPS} times
 * per invocation; every hand-off suspends one side and resumes the other.
 *
 * <ul>
 *   <li>{@code pingPong_rendezvous}: {@code Channel.bounded(0)}: every send waits for its receiver.</li>
 *   <li>{@code pingPong_unbounded}: {@code Channel.unbounded()}: sends never wait; the receives do.</li>
 * </ul>
 * The ball is one preallocated object, so no boxing is measured. Peers: {@code dev.coro.bench.loom.LoomChannel},
 * {@code dev.coro.bench.kotlin.KotlinChannel}. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoroChannel {
    private static final Object BALL = new Object();

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public int pingPong_rendezvous() {
        return pingPong(Channel.bounded(0), Channel.bounded(0));
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public int pingPong_unbounded() {
        return pingPong(Channel.unbounded(), Channel.unbounded());
    }

    /** The channels made inside the loop, as a coroutine program makes its own: no lock while only it uses them. */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public int pingPong_rendezvous_madeInLoop() {
        return Coro.run(() -> pingPongOnLoop(Channel.bounded(0), Channel.bounded(0)));
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public int pingPong_unbounded_madeInLoop() {
        return Coro.run(() -> pingPongOnLoop(Channel.unbounded(), Channel.unbounded()));
    }

    /** Made outside any loop (by the benchmark thread), the channels take their lock at every operation. */
    private static int pingPong(Channel<Object> ping, Channel<Object> pong) {
        return Coro.run(() -> pingPongOnLoop(ping, pong));
    }

    @Coroutine
    private static int pingPongOnLoop(Channel<Object> ping, Channel<Object> pong) {
        Task<Integer> echo = Coro.spawn(() -> {
            int n = 0;
            for (int i = 0; i < ROUND_TRIPS; i++) {
                pong.send(ping.receive());
                n++;
            }
            return n;
        });
        int n = 0;
        for (int i = 0; i < ROUND_TRIPS; i++) {
            ping.send(BALL);
            if (pong.receive() == BALL) {
                n++;
            }
        }
        return n + echo.join();
    }
}
