package dev.coro.bench.loom;

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

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Cross-thread submission, Loom peer: ns per item that a plain thread (the JMH thread) hands to a virtual thread
 * (on the one carrier) through a {@link LinkedBlockingQueue}, the unbounded blocking queue of the JDK. Same shape as
 * {@code dev.coro.bench.CoroSubmit}: the receiver lives for the whole trial; each invocation puts
 * {@code SUBMISSIONS} items and an end marker, and waits for the receiver's count on a second queue.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoomSubmit {
    // The constant of dev.coro.bench.Shape, repeated: this package must not load coro classes.
    static final int SUBMISSIONS = 100_000;
    private static final Object ITEM = new Object();
    private static final Object END = new Object();
    private static final Object STOP = new Object();

    private LinkedBlockingQueue<Object> in;
    private LinkedBlockingQueue<Integer> done;
    private Thread receiver;

    @Setup(Level.Trial)
    public void start() {
        VirtualThreads.checkOneCarrier();
        in = new LinkedBlockingQueue<>();
        done = new LinkedBlockingQueue<>();
        receiver = VirtualThreads.start(() -> {
            try {
                for (;;) {
                    int n = 0;
                    Object x;
                    while ((x = in.take()) == ITEM) {
                        n++;
                    }
                    if (x == STOP) {
                        return;
                    }
                    done.put(n);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @TearDown(Level.Trial)
    public void stop() {
        in.add(STOP);
        VirtualThreads.join(receiver);
    }

    @Benchmark
    @OperationsPerInvocation(SUBMISSIONS)
    public int linkedBlockingQueue() throws InterruptedException {
        for (int i = 0; i < SUBMISSIONS; i++) {
            in.put(ITEM);
        }
        in.put(END);
        return done.take();
    }
}
