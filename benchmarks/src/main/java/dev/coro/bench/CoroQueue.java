package dev.coro.bench;

import dev.coro.Codec;
import dev.coro.ProcessQueue;
import dev.coro.internal.ipc.Handover;
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

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Queue throughput between two processes, coro: messages per second, small messages (one int through
 * {@code Codec.ints()}, 5 bytes), between this (parent) process and a child JVM that lives for the whole trial.
 * <ul>
 *   <li>{@code childToParent}: each invocation asks the child (through a control queue) for {@link #BATCH} messages
 *       and takes them all with {@code get()} on a plain thread, which acknowledges each previous one (the parent
 *       owns the queue: its side takes the in-process path).</li>
 *   <li>{@code parentToChild}: the parent puts {@link #BATCH} messages, the child takes them all (through its
 *       connection: prefetch with credit, acknowledgements in ranges) and puts back their sum.</li>
 * </ul>
 * A wrong sum (a message lost or duplicated) fails the run. Peer: {@link PythonQueue}, Python's
 * {@code multiprocessing.Queue} in the same shapes. Needs the coro agent (the child is started with the same one).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CoroQueue {
    static final int BATCH = 200_000;

    private ProcessQueue<Integer> control;
    private ProcessQueue<Integer> data;
    private ProcessQueue<Integer> toChild;
    private Process child;

    @Setup(Level.Trial)
    public void start() throws Exception {
        control = ProcessQueue.create(Codec.ints());
        data = ProcessQueue.create(Codec.ints());
        toChild = ProcessQueue.create(Codec.ints());
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-javaagent:")) {
                cmd.add(a.replaceFirst("=.*", ""));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Producer.class.getName());
        cmd.add(control.handover());
        cmd.add(data.handover());
        cmd.add(toChild.handover());
        child = new ProcessBuilder(cmd).inheritIO().start();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long childToParent() {
        control.put(BATCH);
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += data.get();
        }
        if (sum != (long) BATCH * (BATCH - 1) / 2) {
            throw new IllegalStateException("wrong sum " + sum + ": a message was lost or duplicated");
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long parentToChild() {
        control.put(-2 - BATCH);
        for (int i = 0; i < BATCH; i++) {
            toChild.put(i);
        }
        long sum = data.get();
        if (sum != (int) ((long) BATCH * (BATCH - 1) / 2)) {
            throw new IllegalStateException("wrong sum " + sum + ": a message was lost or duplicated");
        }
        return sum;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        control.put(-1);
        if (!child.waitFor(10, TimeUnit.SECONDS)) {
            child.destroyForcibly();
        }
        data.close();
        toChild.close();
        control.close();
    }

    /**
     * The child: for each n &ge; 0 from the control queue, puts 0..n-1; for n &lt; -1, takes -2-n messages and
     * puts back their sum (as an int: it wraps, the parent compares the same way); ends at -1.
     */
    public static final class Producer {
        @SuppressWarnings("unchecked")
        public static void main(String[] args) {
            ProcessQueue<Integer> control = (ProcessQueue<Integer>) Handover.restore(args[0]);
            ProcessQueue<Integer> data = (ProcessQueue<Integer>) Handover.restore(args[1]);
            ProcessQueue<Integer> toChild = (ProcessQueue<Integer>) Handover.restore(args[2]);
            for (;;) {
                int n = control.get();
                if (n == -1) {
                    break;
                }
                if (n >= 0) {
                    for (int i = 0; i < n; i++) {
                        data.put(i);
                    }
                } else {
                    int sum = 0;
                    for (int i = 0; i < -2 - n; i++) {
                        sum += toChild.get();
                    }
                    data.put(sum);
                }
            }
            data.close();
            toChild.close();
            control.close();
        }
    }
}
