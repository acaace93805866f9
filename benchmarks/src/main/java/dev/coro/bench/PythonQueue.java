package dev.coro.bench;

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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The peer of {@link CoroQueue}: Python's {@code multiprocessing.Queue} (python3, stdlib only) between a parent and
 * a child process, both kept for the trial ({@code python/mpq_server.py}). Each invocation writes a batch request to
 * the Python parent and waits for its "ok" with the sum: {@code childToParent}: the child puts
 * {@link CoroQueue#BATCH} ints, the parent gets them all; {@code parentToChild}: the other way, and the child sends
 * the sum back. The pipe to Python costs one round trip per 200,000 messages.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PythonQueue {
    private Process python;
    private Writer toPython;
    private BufferedReader fromPython;

    @Setup(Level.Trial)
    public void start() throws Exception {
        python = new ProcessBuilder("python3", script().toString()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        toPython = new OutputStreamWriter(python.getOutputStream(), StandardCharsets.US_ASCII);
        fromPython = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** benchmarks/python/mpq_server.py, found next to target/benchmarks.jar, or under the working directory. */
    static Path script() throws Exception {
        Path jar = Path.of(PythonQueue.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path p : new Path[] {jar.getParent().resolveSibling("python").resolve("mpq_server.py"),
                Path.of("python", "mpq_server.py"), Path.of("benchmarks", "python", "mpq_server.py")}) {
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new IllegalStateException("python/mpq_server.py not found (run from benchmarks/)");
    }

    @Benchmark
    @OperationsPerInvocation(CoroQueue.BATCH)
    public String childToParent() throws IOException {
        return batch("p");
    }

    @Benchmark
    @OperationsPerInvocation(CoroQueue.BATCH)
    public String parentToChild() throws IOException {
        return batch("c");
    }

    private String batch(String kind) throws IOException {
        toPython.write(kind + " " + CoroQueue.BATCH + "\n");
        toPython.flush();
        String line = fromPython.readLine();
        if (line == null || !line.equals("ok " + (long) CoroQueue.BATCH * (CoroQueue.BATCH - 1) / 2)) {
            throw new IllegalStateException("python said: " + line);
        }
        return line;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        toPython.write("p -1\n");
        toPython.flush();
        if (!python.waitFor(10, TimeUnit.SECONDS)) {
            python.destroyForcibly();
        }
    }
}
