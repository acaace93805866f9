package dev.coro.bench.launch;

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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Requests per second of {@link EchoServer} run by the launcher ({@code java -jar coro-agent.jar launch --workers N})
 * with 1 and with 2 workers, in one JMH run. The client is this JMH fork: one thread, non-blocking, keeping
 * {@link #CONNECTIONS} connections busy, each with one {@link #MESSAGE}-byte request outstanding (closed loop: a
 * connection sends its next request as soon as the whole echo of the previous one is back). One op = one request
 * and its echo. {@code work} is the server's own computing per request, in thousands of xorshift rounds (50:
 * about 75 µs of CPU here): 0 is a pure echo, where the client and the kernel do as much work per request as the server;
 * 50 makes the server's computing the bottleneck.
 *
 * <p>The client shares the machine's cores with the workers: on 2 cores, read the 2-worker figure against that.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LaunchEcho {
    static final int CONNECTIONS = 64;
    static final int MESSAGE = 64;
    static final int REQUESTS = 10_000;

    @Param({"1", "2"})
    public int workers;

    @Param({"0", "50"})
    public int work;

    private Process launcher;
    private Selector selector;
    private final List<SocketChannel> channels = new ArrayList<>();
    private ByteBuffer[] pending;
    private final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);

    @Setup(Level.Trial)
    public void start() throws Exception {
        int port;
        // a wildcard probe, as the workers bind: a port free on loopback alone may be held on another local address
        // (a previous benchmark's client sockets in TIME_WAIT), and the workers' bind would fail
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = Path.of(LaunchEcho.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        List<String> cmd = List.of(java, "-jar", agentJar(), "launch", "--workers", "" + workers, "--grace", "2s",
                // no blocked-loop reports: on a busy machine a worker may not get a core for 100 ms
                "--", "-Xmx256m", "-Dcoro.watchdog.blocked=0", "-cp", jar, EchoServer.class.getName(), "" + port, "" + work);
        launcher = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CountDownLatch listening = new CountDownLatch(workers);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(launcher.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.contains("listening on port")) {
                        listening.countDown();
                    } else if (line.contains("xception") || line.contains("error") || line.contains("crash")
                            || line.contains("restarting")) {
                        System.out.println(line); // a worker in trouble
                    }
                }
            } catch (IOException ignored) {
                // the launcher is gone
            }
        }, "launcher-output");
        reader.setDaemon(true);
        reader.start();
        if (!listening.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the launcher's workers did not start listening");
        }
        selector = Selector.open();
        int[] perWorker = new int[workers];
        pending = new ByteBuffer[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer hello = ByteBuffer.allocate(1);
            while (hello.hasRemaining()) {
                if (ch.read(hello) < 0) {
                    throw new IOException("closed before its hello");
                }
            }
            perWorker[hello.get(0)]++;
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ, i);
            channels.add(ch);
            pending[i] = ByteBuffer.allocateDirect(MESSAGE);
        }
        System.out.println("connections per worker: " + Arrays.toString(perWorker));
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
                    throw new IOException("the server closed connection " + i);
                }
                if (!b.hasRemaining()) {
                    done++;
                    if (sent < REQUESTS) {
                        send(i);
                        sent++;
                    }
                }
            }
            selector.selectedKeys().clear();
        }
        return done;
    }

    private void send(int i) throws IOException {
        pending[i].clear();
        request.clear();
        SocketChannel ch = channels.get(i);
        while (request.hasRemaining()) {
            ch.write(request); // 64 bytes into an empty socket buffer: written at once
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        for (SocketChannel ch : channels) {
            ch.close();
        }
        channels.clear();
        selector.close();
        launcher.toHandle().destroy(); // SIGTERM: the launcher stops its workers
        if (!launcher.waitFor(30, TimeUnit.SECONDS)) {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    /** The fork's own -javaagent jar (run.sh gives every fork one), else -Dcoro.agent.jar. */
    private static String agentJar() {
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-javaagent:")) {
                String path = a.substring("-javaagent:".length());
                int eq = path.indexOf('=');
                return eq < 0 ? path : path.substring(0, eq);
            }
        }
        String p = System.getProperty("coro.agent.jar");
        if (p == null) {
            throw new IllegalStateException("no -javaagent: and no -Dcoro.agent.jar: where is coro-agent.jar?");
        }
        return p;
    }
}
