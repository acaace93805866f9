package dev.coro.bench;

import dev.coro.Channel;
import dev.coro.ChannelClosedException;
import dev.coro.Coro;
import dev.coro.internal.Loop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.coro.bench.Shape.SUBMISSIONS;

/**
 * Cross-thread submission into a loop, coro: ns per item that a plain thread (the JMH thread) hands to a loop
 * running on another thread. The loop lives for the whole trial; each invocation hands it {@link Shape#SUBMISSIONS}
 * items and then waits until the loop has taken them all (a reply on a channel), so the figure is throughput,
 * including the wake-ups of a loop that runs dry and parks.
 *
 * <ul>
 *   <li>{@code channel_unbounded}: {@code in.send(item)} on an unbounded {@link Channel} that a coroutine of the
 *       loop drains with {@code receive()} (it suspends when the channel is empty).</li>
 *   <li>{@code door_execute}: {@code Loop.execute(Runnable)}, the loop's door for other threads (the same inbox
 *       a channel uses to wake a loop), with one preallocated Runnable that counts.</li>
 * </ul>
 * Peers: {@code dev.coro.bench.loom.LoomSubmit}, {@code dev.coro.bench.kotlin.KotlinSubmit}. Needs the coro agent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoroSubmit {
    private static final Object ITEM = new Object();
    private static final Object END = new Object();

    private Channel<Object> in;
    private Channel<Integer> done;
    private volatile Loop loop;
    private Thread loopThread;
    /** Items counted by the door's Runnable; only the loop thread touches it. */
    private int doorCount;
    private Runnable count;

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
        in = Channel.unbounded();
        done = Channel.unbounded();
        count = () -> doorCount++;
        CountDownLatch started = new CountDownLatch(1);
        loopThread = new Thread(() -> {
            try {
                Coro.run(() -> {
                    loop = Loop.current();
                    started.countDown();
                    for (;;) {
                        int n = 0;
                        while (in.receive() != END) {
                            n++;
                        }
                        done.send(n);
                    }
                });
            } catch (ChannelClosedException closed) {
                // the trial is over
            }
        }, "coro-loop");
        loopThread.start();
        started.await();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        in.close();
        loopThread.join();
    }

    @Benchmark
    @OperationsPerInvocation(SUBMISSIONS)
    public int channel_unbounded() {
        for (int i = 0; i < SUBMISSIONS; i++) {
            in.send(ITEM);
        }
        in.send(END);
        return done.receive();
    }

    @Benchmark
    @OperationsPerInvocation(SUBMISSIONS)
    public int door_execute() {
        Loop l = loop;
        for (int i = 0; i < SUBMISSIONS; i++) {
            l.execute(count);
        }
        l.execute(() -> {
            done.trySend(doorCount);
            doorCount = 0;
        });
        return done.receive();
    }
}
