package dev.coro.bench.echo;

import dev.coro.bench.HeapBytesProfiler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Requests per second of one echo server, four servers side by side in one JMH run ({@code server}): coro
 * ({@link CoroEchoServer}: blocking socket code, one coroutine per connection, one loop), virtual threads
 * ({@link LoomEchoServer}: the same code, one carrier), Netty ({@link NettyEchoServer}: NIO, one event loop) and
 * gevent ({@code python/gevent_echo.py}: the same blocking code in Python, monkey-patched, one hub). Each server runs
 * in its own process, started in the trial setup; the client is the JMH thread: non-blocking (one selector),
 * {@link #CONNECTIONS} connections on loopback, each with one {@link #MESSAGE}-byte request outstanding (closed
 * loop: a connection sends its next request as soon as the whole echo of the previous one is back, and the echo is
 * compared with the request). One op = one request and its echo.
 *
 * <p>The client shares the machine's cores with the server: on 2 cores, the client's own system calls (as many per
 * request as the server's) cap every figure. So each iteration also reports the server process's CPU time per
 * request, all its threads (JIT and GC included), as the secondary result {@code :serverCpuPerRequest} (ns), and
 * its user-mode part alone, {@code :serverUserCpuPerRequest} (ns: the runtime's own work, without the system calls
 * and the kernel's loopback TCP, which the server's writes also pay for the client's side), and
 * the share of a core it used, {@code :serverCores} (x1000, unit "mcore"): a server far below 1,000 mcore was
 * waiting for the client, not saturated.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EchoThroughput {
    static final int CONNECTIONS = 100;
    static final int MESSAGE = 64;
    static final int REQUESTS = 20_000;

    @Param({"coro", "loom", "netty", "gevent"})
    public String server;

    private EchoServerProcess process;
    private Selector selector;
    private SocketChannel[] channels;
    private ByteBuffer[] pending;
    private final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);
    private long iterationRequests;
    private long iterationCpu;
    private long iterationUserCpu;
    private long iterationStart;

    @Setup(Level.Trial)
    public void start() throws Exception {
        for (int i = 0; i < MESSAGE; i++) {
            request.put(i, (byte) (i * 31 + 7));
        }
        process = new EchoServerProcess(server);
        selector = Selector.open();
        channels = new SocketChannel[CONNECTIONS];
        pending = new ByteBuffer[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", process.port));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ, i);
            channels[i] = ch;
            pending[i] = ByteBuffer.allocateDirect(MESSAGE);
        }
        process.awaitConnections(CONNECTIONS);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        iterationRequests = 0;
        iterationCpu = process.cpuNanos();
        iterationUserCpu = process.cpuNanos(true);
        iterationStart = System.nanoTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        long wall = System.nanoTime() - iterationStart;
        long cpu = process.cpuNanos() - iterationCpu;
        long user = process.cpuNanos(true) - iterationUserCpu;
        if (iterationCpu >= 0 && iterationRequests > 0) {
            HeapBytesProfiler.record("serverCpuPerRequest", (double) cpu / iterationRequests, "ns");
            HeapBytesProfiler.record("serverUserCpuPerRequest", (double) user / iterationRequests, "ns");
            HeapBytesProfiler.record("serverCores", 1000.0 * cpu / wall, "mcore");
        }
    }

    /** {@link #REQUESTS} requests, each connection sending its next one as soon as its echo is back. */
    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public int requests() throws IOException {
        int sent = 0;
        int done = 0;
        for (int i = 0; i < CONNECTIONS && sent < REQUESTS; i++, sent++) {
            send(i);
        }
        while (done < REQUESTS) {
            selector.select();
            for (SelectionKey k : selector.selectedKeys()) {
                int i = (Integer) k.attachment();
                ByteBuffer b = pending[i];
                if (((SocketChannel) k.channel()).read(b) < 0) {
                    throw new IOException("the " + server + " server closed connection " + i);
                }
                if (!b.hasRemaining()) {
                    b.flip();
                    if (!b.equals(request.duplicate().clear())) {
                        throw new IOException("the " + server + " server echoed other bytes on connection " + i);
                    }
                    done++;
                    if (sent < REQUESTS) {
                        send(i);
                        sent++;
                    }
                }
            }
            selector.selectedKeys().clear();
        }
        iterationRequests += done;
        return done;
    }

    private void send(int i) throws IOException {
        pending[i].clear();
        ByteBuffer r = request.duplicate().clear();
        while (r.hasRemaining()) {
            channels[i].write(r); // 64 bytes into an empty socket buffer: written at once
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        for (SocketChannel ch : channels) {
            ch.close();
        }
        selector.close();
        process.close();
    }
}
