package dev.coro.bench.echo;

import dev.coro.bench.HeapBytesProfiler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle connection of the echo servers of {@link EchoThroughput}, {@link #CONNECTIONS} connections. Each
 * invocation (single-shot: one per iteration) asks the server for its memory with no client connected, opens
 * {@link #CONNECTIONS} connections and echoes one {@value EchoThroughput#MESSAGE}-byte message on each (so every
 * connection has been served once and now waits in its read), waits until the server counts them all, asks again,
 * and closes them. The figures are secondary results (see {@link HeapBytesProfiler}), in bytes per connection:
 * <ul>
 *   <li>{@code :heapBytesPerConnection}: the server's heap in use after three {@code System.gc()} calls, the
 *       difference divided by the connections (JVMs only: coro, loom, netty);</li>
 *   <li>{@code :rssBytesPerConnection}: the server process's resident set (VmRSS) the same way, for all
 *       servers (the only one for gevent), but measured from the fresh server (before any connection, in the trial
 *       setup) to 10,000 open connections: a process's resident set keeps the pages it once touched (a JVM's heap
 *       pages stay resident after a GC), so a difference within a later round would say nothing. It is the
 *       process's growth, garbage high-water mark, JIT code and warm-up included: an upper bound, coarser than
 *       the heap figure. Socket buffers are kernel memory and are in neither figure.</li>
 * </ul>
 * The primary score (the time of one invocation) only says how long connecting and echoing once on 10,000
 * connections took, GCs included. The server process lives for the trial; every invocation starts from zero
 * connections.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class EchoIdleMemory {
    static final int CONNECTIONS = 10_000;

    @Param({"coro", "loom", "netty", "gevent"})
    public String server;

    private EchoServerProcess process;
    private int round;
    private EchoServerProcess.Mem fresh;

    @Setup(Level.Trial)
    public void start() throws Exception {
        long limit = openFileLimit();
        if (limit >= 0 && limit < CONNECTIONS + 1_000) {
            throw new IllegalStateException("the open-file limit is " + limit + ": " + CONNECTIONS
                    + " connections need more (ulimit -n 20000; run.sh raises the soft limit to the hard one)");
        }
        process = new EchoServerProcess(server);
        fresh = process.awaitConnections(0);
    }

    @Benchmark
    public double idleConnections() throws Exception {
        EchoServerProcess.Mem before = process.awaitConnections(0);
        SocketChannel[] channels = new SocketChannel[CONNECTIONS];
        // A fresh loopback source address (127.S.R.2) for every round of every server and run: a client closes
        // first, so the 10,000 ports of a round stay in TIME_WAIT on its source address for a minute, and binding
        // 10,000 more on the same address would run out of ephemeral ports (or crawl through them).
        int s = java.util.Arrays.asList("coro", "loom", "netty", "gevent").indexOf(server);
        long r = round++ + System.currentTimeMillis() / 1000;
        String source = "127." + (10 + s) + "." + (r % 250) + ".2";
        ByteBuffer request = ByteBuffer.allocate(EchoThroughput.MESSAGE);
        ByteBuffer reply = ByteBuffer.allocate(EchoThroughput.MESSAGE);
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                SocketChannel ch = SocketChannel.open();
                channels[i] = ch;
                ch.bind(new InetSocketAddress(source, 0));
                ch.connect(new InetSocketAddress("127.0.0.1", process.port));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                request.clear();
                while (request.hasRemaining()) {
                    ch.write(request);
                }
                reply.clear();
                while (reply.hasRemaining()) {
                    if (ch.read(reply) < 0) {
                        throw new IOException("the " + server + " server closed connection " + i);
                    }
                }
            }
            EchoServerProcess.Mem after = process.awaitConnections(CONNECTIONS);
            if (before.heapBytes() >= 0) {
                HeapBytesProfiler.record("heapBytesPerConnection",
                        (double) (after.heapBytes() - before.heapBytes()) / CONNECTIONS);
            }
            HeapBytesProfiler.record("rssBytesPerConnection",
                    (double) (after.rssBytes() - fresh.rssBytes()) / CONNECTIONS);
            return after.heapBytes();
        } finally {
            for (SocketChannel ch : channels) {
                if (ch != null) {
                    ch.close();
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        process.close();
    }

    /** The soft "Max open files" of this process, or -1 where there is no /proc. */
    static long openFileLimit() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String[] f = l.trim().split("\\s+");
                    return f[3].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[3]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
