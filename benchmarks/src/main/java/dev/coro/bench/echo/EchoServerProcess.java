package dev.coro.bench.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One echo server in its own process (a JVM, or Python for gevent), so the client in the JMH fork shares neither
 * its heap nor its GC. Servers: {@code coro} ({@link CoroEchoServer} under the fork's own coro agent),
 * {@code loom} ({@link LoomEchoServer}, JDK 25, one carrier, no agent), {@code netty} ({@link NettyEchoServer}, no
 * agent), {@code gevent} ({@code python/gevent_echo.py} with Debian's python3-gevent). Every JVM gets the same heap
 * settings ({@link #JVM_HEAP}) and the JDK of the fork (run.sh: JDK 25).
 */
final class EchoServerProcess implements AutoCloseable {
    static final String[] JVM_HEAP = {"-Xms512m", "-Xmx512m"};

    /** One answer of the server's control channel: see {@link ServerControl}. */
    record Mem(int connections, long heapBytes, long rssBytes) {
    }

    final String kind;
    final int port;
    private final Process process;
    private final Writer control;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(1024);

    EchoServerProcess(String kind) throws Exception {
        this.kind = kind;
        process = new ProcessBuilder(command(kind)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        control = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("listening on port ") || line.startsWith("mem ")) {
                        lines.put(line);
                    } else {
                        System.out.println("[" + kind + " server] " + line);
                    }
                }
            } catch (IOException | InterruptedException ignored) {
                // the server is gone
            }
        }, kind + "-server-output");
        reader.setDaemon(true);
        reader.start();
        String first = lines.poll(60, TimeUnit.SECONDS);
        if (first == null || !first.startsWith("listening on port ")) {
            process.destroyForcibly();
            throw new IllegalStateException("the " + kind + " echo server did not start (exit "
                    + (process.isAlive() ? "none yet" : process.exitValue()) + "): " + String.join(" ", command(kind)));
        }
        port = Integer.parseInt(first.substring("listening on port ".length()).trim());
    }

    /** Asks the server for its memory figures (a GC first, on the JVMs). */
    Mem mem() throws Exception {
        control.write("mem\n");
        control.flush();
        String line = lines.poll(60, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("mem ")) {
            throw new IllegalStateException("the " + kind + " server did not answer 'mem': " + line);
        }
        String[] f = line.split(" ");
        return new Mem(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
    }

    /**
     * The CPU time the server process has used so far, all its threads (user + system, from
     * {@code /proc/<pid>/stat}, in clock ticks of 10 ms), in nanoseconds; -1 where there is no /proc.
     */
    long cpuNanos() {
        return cpuNanos(false);
    }

    /** {@link #cpuNanos()}, or with {@code userOnly} the user-mode part alone (no system calls, no kernel TCP). */
    long cpuNanos(boolean userOnly) {
        try {
            String stat = Files.readString(Path.of("/proc", "" + process.pid(), "stat"));
            // the fields after the command name, which is in parentheses and may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long ticks = Long.parseLong(f[11]) + (userOnly ? 0 : Long.parseLong(f[12])); // utime, stime (14, 15)
            return ticks * (1_000_000_000L / CLOCK_TICKS);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
    private static final long CLOCK_TICKS = 100;

    /** Polls the server until it counts {@code n} open connections (it accepts them at its own pace). */
    Mem awaitConnections(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (;;) {
            Mem m = mem();
            if (m.connections() == n) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the " + kind + " server has " + m.connections()
                        + " connections open, expected " + n);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            control.close(); // end of stdin: the server exits
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static List<String> command(String kind) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = Path.of(EchoServerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        List<String> cmd = new ArrayList<>();
        switch (kind) {
            case "coro" -> {
                cmd.add(java);
                cmd.add("-javaagent:" + agentJar());
                // no blocked-loop reports: on a busy machine the loop may not get a core for 100 ms
                cmd.add("-Dcoro.watchdog.blocked=0");
                cmd.addAll(List.of(JVM_HEAP));
                cmd.addAll(List.of("-cp", jar, CoroEchoServer.class.getName()));
            }
            case "loom" -> {
                cmd.add(java);
                cmd.add("-Djdk.virtualThreadScheduler.parallelism=1");
                cmd.add("-Djdk.virtualThreadScheduler.maxPoolSize=1");
                cmd.addAll(List.of(JVM_HEAP));
                cmd.addAll(List.of("-cp", jar, LoomEchoServer.class.getName()));
            }
            case "netty" -> {
                cmd.add(java);
                // Netty 4.2 reads off-heap memory through sun.misc.Unsafe, which JDK 24+ warns about once
                cmd.add("--sun-misc-unsafe-memory-access=allow");
                cmd.addAll(List.of(JVM_HEAP));
                cmd.addAll(List.of("-cp", jar, NettyEchoServer.class.getName()));
            }
            case "gevent" -> {
                cmd.add(geventPython());
                cmd.add(script("gevent_echo.py").toString());
            }
            default -> throw new IllegalArgumentException("unknown server " + kind);
        }
        return cmd;
    }

    /** $CORO_GEVENT_PYTHON, else Debian's /usr/bin/python3 (where apt's python3-gevent lives), else python3. */
    static String geventPython() {
        String p = System.getenv("CORO_GEVENT_PYTHON");
        if (p != null && !p.isEmpty()) {
            return p;
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** benchmarks/python/NAME, found next to target/benchmarks.jar, or under the working directory. */
    static Path script(String name) throws Exception {
        Path jar = Path.of(EchoServerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path p : new Path[] {jar.getParent().resolveSibling("python").resolve(name),
                Path.of("python", name), Path.of("benchmarks", "python", name)}) {
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new IllegalStateException("python/" + name + " not found (run from benchmarks/)");
    }

    /** The fork's own -javaagent jar (run.sh gives every fork one), else -Dcoro.agent.jar. */
    static String agentJar() {
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
