package dev.coro.bench.tasks;

import dev.coro.Codec;
import dev.coro.Manager;
import dev.coro.MessageQueue;
import dev.coro.redis.RedisQueues;
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
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Task round trips per second, the seed's distributed-processes pattern: the manager puts a task, a worker process
 * gets it, puts back its square, the manager gets the result. Each invocation puts {@link #BATCH} tasks and then
 * takes {@link #BATCH} results (the workers run all the while); one op is one round trip, so the score (ops/s) is
 * round trips per second. The workers are separate processes, one sequential get/put loop each.
 *
 * <ul>
 *   <li>{@code manager}: coro's embedded {@link Manager} (HMAC-authenticated TCP on loopback), served from this
 *       JMH fork; worker JVMs with the agent ({@link TaskBenchWorker}).</li>
 *       Worker handles are the default ({@code client.queue("tasks", codec)}), which prefetch what the worker's
 *       pace asks for (here, short tasks: up to 64 ahead).</li>
 *   <li>{@code manager_pull}: the same, with worker handles that never prefetch
 *       ({@code client.queue("tasks", codec, 0)}: one task per get, none ahead).</li>
 *   <li>{@code manager_prefetch64}: the same, with worker handles that always prefetch 64 tasks
 *       ({@code client.queue("tasks", codec, 64)}).</li>
 *   <li>{@code redis}: coro's Redis engine ({@link RedisQueues}) on a redis-server this benchmark starts (no
 *       persistence); the manager side and the workers are coro processes as above.</li>
 *   <li>{@code redis_prefetch64}: the same, with consumer handles (workers' tasks, the manager's results) that
 *       read up to 64 entries per round trip ({@code redis.queue(name, codec, 64)}).</li>
 *   <li>{@code python}: the seed's {@code BaseManager} taskmanager/taskworker ported to Python 3
 *       ({@code benchmarks/python/bench_tasks.py --serve}): the whole round trip runs in Python; this fork only
 *       tells it, over a pipe, to do a batch and waits for its answer.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TaskRoundTrips {
    public static final int BATCH = 2000;
    private static final byte[] KEY = "bench-key".getBytes(StandardCharsets.UTF_8);

    @Param({"manager", "manager_pull", "manager_prefetch64", "redis", "redis_prefetch64", "python"})
    public String engine;

    @Param({"1", "4"})
    public int workers;

    private final List<Process> processes = new ArrayList<>();
    private Manager manager;
    private RedisQueues redisQueues;
    private Process redisServer;
    private Path tmp;
    private MessageQueue<Long> tasks;
    private MessageQueue<Square> results;
    private Process python;
    private Writer pythonIn;
    private BufferedReader pythonOut;

    @Setup(Level.Trial)
    public void start() throws Exception {
        tmp = Files.createTempDirectory("coro-bench-tasks");
        switch (engine) {
            case "manager":
            case "manager_pull":
            case "manager_prefetch64": {
                manager = Manager.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), KEY);
                tasks = manager.queue("tasks", Codec.longs());
                results = manager.queue("results", Codec.record(Square.class));
                InetSocketAddress a = manager.address();
                for (int i = 0; i < workers; i++) {
                    processes.add(javaWorker(i, "manager", a.getHostString(), String.valueOf(a.getPort()),
                            new String(KEY, StandardCharsets.UTF_8),
                            engine.equals("manager") ? "default" : engine.equals("manager_pull") ? "0" : "64"));
                }
                break;
            }
            case "redis":
            case "redis_prefetch64": {
                int port = startRedis();
                int prefetch = engine.equals("redis") ? 1 : 64;
                redisQueues = RedisQueues.connect("127.0.0.1", port);
                tasks = redisQueues.queue("tasks", Codec.longs());
                results = redisQueues.queue("results", Codec.record(Square.class), prefetch);
                for (int i = 0; i < workers; i++) {
                    processes.add(javaWorker(i, "redis", "127.0.0.1", String.valueOf(port), String.valueOf(prefetch)));
                }
                break;
            }
            case "python": {
                Path script = pythonScript();
                python = new ProcessBuilder(System.getProperty("coro.bench.python", "python3"), script.toString(),
                        "--workers", String.valueOf(workers), "--serve")
                        .redirectError(tmp.resolve("python.err").toFile()).start();
                pythonIn = new OutputStreamWriter(python.getOutputStream(), StandardCharsets.US_ASCII);
                pythonOut = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.US_ASCII));
                String ready = pythonOut.readLine();
                if (!"ready".equals(ready)) {
                    throw new IllegalStateException("the Python peer did not start: " + ready + "\n"
                            + Files.readString(tmp.resolve("python.err")));
                }
                return;
            }
            default:
                throw new IllegalArgumentException("engine: " + engine);
        }
        // every worker connected and warm before measuring
        roundTrips(200);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long roundTrips() throws Exception {
        return roundTrips(BATCH);
    }

    private long roundTrips(int n) throws Exception {
        if (python != null) {
            pythonIn.write("run " + n + "\n");
            pythonIn.flush();
            String ok = pythonOut.readLine();
            if (ok == null || !ok.equals("ok " + n)) {
                throw new IllegalStateException("the Python peer answered " + ok + "\n"
                        + Files.readString(tmp.resolve("python.err")));
            }
            return n;
        }
        for (long i = 0; i < n; i++) {
            tasks.put(i);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            Square s = results.get(Duration.ofSeconds(60));
            if (s == null) {
                throw new IllegalStateException("no result within 60 s (" + i + " of " + n + "); workers: "
                        + workerLogs());
            }
            sum += s.square();
        }
        long expected = 0;
        for (long i = 0; i < n; i++) {
            expected += i * i;
        }
        if (sum != expected) {
            throw new IllegalStateException("wrong results: " + sum + " != " + expected);
        }
        results.ack();
        return sum;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        if (python != null) {
            pythonIn.write("quit\n");
            pythonIn.flush();
            if (!python.waitFor(20, TimeUnit.SECONDS)) {
                python.destroyForcibly();
            }
        }
        if (manager != null) {
            manager.shutdown();
        }
        if (redisQueues != null) {
            redisQueues.close();
        }
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (redisServer != null) {
            redisServer.destroy();
            redisServer.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process javaWorker(int index, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-javaagent:") || a.startsWith("--sun-misc-unsafe")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TaskBenchWorker.class.getName());
        cmd.addAll(List.of(args));
        File log = tmp.resolve("worker-" + index + ".log").toFile();
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    }

    private String workerLogs() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < processes.size(); i++) {
            Path p = tmp.resolve("worker-" + i + ".log");
            if (Files.exists(p)) {
                sb.append("\n--- worker ").append(i).append(":\n").append(Files.readString(p));
            }
        }
        return sb.toString();
    }

    private int startRedis() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        redisServer = new ProcessBuilder(System.getProperty("coro.bench.redis", "redis-server"), "--port",
                String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                tmp.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return port;
            } catch (IOException notYet) {
                if (!redisServer.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server did not start: "
                            + Files.readString(tmp.resolve("redis.log")));
                }
                Thread.sleep(20);
            }
        }
    }

    /** benchmarks/python/bench_tasks.py, next to target/benchmarks.jar (or -Dcoro.bench.pythonScript). */
    private static Path pythonScript() throws Exception {
        String given = System.getProperty("coro.bench.pythonScript");
        if (given != null) {
            return Path.of(given);
        }
        Path jar = Path.of(TaskRoundTrips.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path script = jar.getParent().getParent().resolve("python").resolve("bench_tasks.py");
        if (!Files.exists(script)) {
            throw new IllegalStateException("cannot find " + script + " (set -Dcoro.bench.pythonScript)");
        }
        return script;
    }
}
