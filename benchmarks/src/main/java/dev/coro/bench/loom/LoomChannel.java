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

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Channel ping-pong, Loom peer: ns per round trip between two virtual threads on the one carrier. Same shape as
 * {@code dev.coro.bench.CoroChannel}: one thread hands a ball to the other, which hands it back,
 * {@code ROUND_TRIPS} times per invocation; every hand-off parks one thread (unmounts it) and unparks the other.
 *
 * <ul>
 *   <li>{@code pingPong_synchronousQueue}: two {@link SynchronousQueue}s, the JDK's rendezvous channel.</li>
 *   <li>{@code pingPong_parkUnpark}: the bare mechanism: a volatile token and {@code LockSupport.park/unpark}.</li>
 * </ul>
 * The JMH thread starts both threads and joins them; that is amortised over the round trips.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoomChannel {
    // The constant of dev.coro.bench.Shape, repeated: this package must not load coro classes.
    static final int ROUND_TRIPS = 10_000;
    private static final Object BALL = new Object();

    volatile int sinkA;
    volatile int sinkB;

    @Setup(Level.Trial)
    public void check() {
        VirtualThreads.checkOneCarrier();
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public int pingPong_synchronousQueue() {
        SynchronousQueue<Object> ping = new SynchronousQueue<>();
        SynchronousQueue<Object> pong = new SynchronousQueue<>();
        Thread echo = VirtualThreads.start(() -> {
            int n = 0;
            try {
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    pong.put(ping.take());
                    n++;
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            sinkB = n;
        });
        Thread main = VirtualThreads.start(() -> {
            int n = 0;
            try {
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    ping.put(BALL);
                    if (pong.take() == BALL) {
                        n++;
                    }
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            sinkA = n;
        });
        VirtualThreads.join(main);
        VirtualThreads.join(echo);
        return sinkA + sinkB;
    }

    /** The token: 1 when the ball is with the echo thread, 2 when it is back. */
    static final class Court {
        volatile int token;
        volatile Thread pinger;
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public int pingPong_parkUnpark() {
        Court c = new Court();
        Thread echo = VirtualThreads.start(() -> {
            int n = 0;
            for (int i = 0; i < ROUND_TRIPS; i++) {
                while (c.token != 1) {
                    LockSupport.park();
                }
                c.token = 2;
                LockSupport.unpark(c.pinger);
                n++;
            }
            sinkB = n;
        });
        Thread main = VirtualThreads.start(() -> {
            c.pinger = Thread.currentThread();
            int n = 0;
            for (int i = 0; i < ROUND_TRIPS; i++) {
                c.token = 1;
                LockSupport.unpark(echo);
                while (c.token != 2) {
                    LockSupport.park();
                }
                n++;
            }
            sinkA = n;
        });
        VirtualThreads.join(main);
        VirtualThreads.join(echo);
        return sinkA + sinkB;
    }
}
