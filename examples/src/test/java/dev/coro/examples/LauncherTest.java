package dev.coro.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The launcher end to end, as a user runs it: {@code java -jar coro-agent.jar launch ... -- -cp ... Main}, with real
 * worker JVMs. Waits poll the launcher's output (generous deadlines for a loaded 2-core machine, never fixed sleeps).
 */
class LauncherTest {
    private static final String SERVER = "dev.coro.examples.LaunchedServer";
    private static final Duration START = Duration.ofSeconds(60);

    private final List<Launched> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Launched l : started) {
            l.kill();
        }
    }

    // ---- the tests ----

    @Test
    void twoWorkersShareOnePortAndBothServe() throws Exception {
        int port = freePort();
        Launched l = launch("--workers", "2", "--", "-cp", classPath(), SERVER, "" + port);
        l.await("\\[worker 0\\] worker 0 of 2 \\(pid \\d+\\) listening on port " + port, START);
        l.await("\\[worker 1\\] worker 1 of 2 \\(pid \\d+\\) listening on port " + port, START);
        Set<Integer> servedBy = new TreeSet<>();
        Pattern who = Pattern.compile("hello from worker (\\d) of 2");
        for (int i = 0; i < 500 && servedBy.size() < 2; i++) { // the kernel hashes each connection to a worker
            Matcher m = who.matcher(get(port, "/"));
            assertTrue(m.find());
            servedBy.add(Integer.parseInt(m.group(1)));
        }
        assertEquals(Set.of(0, 1), servedBy, "connections reached only some workers:\n" + l.output());
        assertEquals(0, l.terminate(Duration.ofSeconds(30)), l.output());
        for (String line : l.output().split("\n")) {
            assertTrue(line.matches("\\[(launcher|worker [01])\\] .*"), "a line without its prefix: '" + line + "' in\n"
                    + l.output());
        }
    }

    @Test
    void aKilledWorkerIsRestartedAndServesAgain() throws Exception {
        int port = freePort();
        Launched l = launch("--workers", "1", "--", "-cp", classPath(), SERVER, "" + port);
        long first = Long.parseLong(l.await("worker 0 of 1 \\(pid (\\d+)\\) listening", START).group(1));
        assertTrue(get(port, "/").contains("(pid " + first + ")"));

        assertTrue(ProcessHandle.of(first).orElseThrow().destroyForcibly()); // kill -9
        l.await("\\[launcher\\] worker 0 \\(pid " + first + "\\) exited with status 137 \\(signal 9, SIGKILL\\); "
                + "restarting in 100ms", START);
        long second = Long.parseLong(l.awaitAfter("restarting in", "worker 0 of 1 \\(pid (\\d+)\\) listening", START)
                .group(1));
        assertNotEquals(first, second);
        assertTrue(get(port, "/").contains("(pid " + second + ")"), l.output());
        assertEquals(0, l.terminate(Duration.ofSeconds(30)), l.output());
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishWithinTheGracePeriod() throws Exception {
        int port = freePort();
        Launched l = launch("--workers", "1", "--grace", "8s", "--", "-cp", classPath(), SERVER, "" + port);
        l.await("listening on port " + port, START);
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return get(port, "/slow?ms=1500");
            } catch (IOException e) {
                return e.toString();
            }
        });
        l.await("\\[worker 0\\] slow request: answering in 1500 ms", START);
        long t0 = System.nanoTime();
        l.signalTerm();
        String answer = slow.get(30, TimeUnit.SECONDS);
        assertTrue(answer.startsWith("HTTP/1.1 200 OK") && answer.contains("slow hello after 1500 ms from worker 0"),
                answer + "\n" + l.output());
        assertTrue(l.process.waitFor(30, TimeUnit.SECONDS), l.output());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, l.process.exitValue(), l.output());
        assertTrue(ms < 8000, "took " + ms + " ms, more than the grace period:\n" + l.output());
        String out = l.output();
        assertTrue(out.contains("[worker 0] worker 0 of 1 (pid ") && out.contains("no longer accepts connections"),
                out);
        assertTrue(out.contains("[launcher] all workers stopped gracefully; exit code 0"), out);
    }

    @Test
    void serverChannelsShareThePortAndTasksLeftAfterTheGracePeriodAreCancelled() throws Exception {
        int port = freePort();
        Launched l = launch("--workers", "2", "--grace", "500ms", "--", "-cp", classPath(),
                "dev.coro.examples.launch.ChannelBinder", "" + port);
        l.await("\\[worker 0\\] worker 0 bound port " + port, START);
        l.await("\\[worker 1\\] worker 1 bound port " + port, START);
        assertEquals(0, l.terminate(Duration.ofSeconds(30)), l.output());
        String out = l.output();
        for (int w = 0; w < 2; w++) {
            // on that line the JVM's own "Exception in thread" print may come first: two threads of the worker
            // (its main thread's uncaught exception, the shutdown hook) write to its stderr at once
            assertTrue(java.util.regex.Pattern.compile("(?m)^\\[worker " + w + "\\] .*coro: grace period over: "
                    + "cancelled 1 task\\(s\\)").matcher(out).find(), out);
            assertTrue(java.util.regex.Pattern.compile("(?m)^\\[worker " + w + "\\] .*worker " + w
                    + " cancelled; channel still open: false").matcher(out).find(), out);
        }
        assertTrue(!out.contains("exited with status") || !out.contains("restarting"), out);
    }

    @Test
    void aCrashLoopStopsTheLauncherWithItsExitCode() throws Exception {
        Launched l = launch("--workers", "1", "--max-restarts", "2", "--backoff-initial", "10ms", "--", "-cp",
                classPath(), "dev.coro.examples.launch.Crasher");
        assertTrue(l.process.waitFor(120, TimeUnit.SECONDS), l.output());
        String out = l.output();
        assertEquals(3, l.process.exitValue(), out);
        assertTrue(out.contains("[launcher] crash loop: worker 0 failed 3 times within 60s (limit: --max-restarts 2 in "
                + "--restart-window 60s); last exit: exited with status 3."), out);
        assertEquals(3, count(out, "[worker 0] worker 0 of 1 crashing"), out);
        assertTrue(out.contains("restarting in 10ms") && out.contains("restarting in 20ms"), out); // the back-off
    }

    @Test
    void withRestartNeverAFailedWorkerStaysDown() throws Exception {
        Launched l = launch("--workers", "2", "--restart", "never", "--", "-cp", classPath(),
                "dev.coro.examples.launch.Crasher");
        assertTrue(l.process.waitFor(120, TimeUnit.SECONDS), l.output());
        String out = l.output();
        assertEquals(1, l.process.exitValue(), out);
        assertTrue(out.contains("exited with status 3; not restarted (--restart never)"), out);
        assertEquals(1, count(out, "[worker 1] worker 1 of 2 crashing"), out);
    }

    @Test
    void outsideTheLauncherThisJvmIsWorker0Of1() {
        if (System.getenv("CORO_WORKER_COUNT") == null) {
            assertEquals(0, dev.coro.Coro.workerId());
            assertEquals(1, dev.coro.Coro.workerCount());
        }
    }

    @Test
    void helpListsEveryOptionAndWrongOptionsAreNamed() throws Exception {
        Launched help = launch("--help");
        assertTrue(help.process.waitFor(60, TimeUnit.SECONDS));
        String out = help.output();
        assertEquals(0, help.process.exitValue(), out);
        for (String option : List.of("--workers", "--restart=POLICY", "--grace", "--max-restarts", "--restart-window",
                "--backoff-initial", "--backoff-max", "--backoff-reset", "--agent-options", "Exit codes:")) {
            assertTrue(out.contains(option), option + " missing from the help:\n" + out);
        }
        assertTrue(out.contains("Default: on-failure") && out.contains("Default: 10s"), out);

        String[][] wrong = {
            {"--workers", "0", "--", "Main"}, {"Invalid value for option '--workers': must be at least 1, was 0"},
            {"--restart", "sometimes", "--", "Main"}, {"Invalid value for option '--restart'", "'sometimes'"},
            {"--grace", "10", "--", "Main"}, {"Invalid value for option '--grace'", "'10' is not a duration"},
            {"--wrokers", "2", "--", "Main"}, {"Unknown option: '--wrokers'"},
            {"--workers", "2", "--", "-cp", "app.jar"}, {"no main class"},
        };
        for (int i = 0; i < wrong.length; i += 2) {
            Launched l = launch(wrong[i]);
            assertTrue(l.process.waitFor(60, TimeUnit.SECONDS));
            String err = l.output();
            assertEquals(2, l.process.exitValue(), err);
            for (String expected : wrong[i + 1]) {
                assertTrue(err.contains(expected), expected + " missing:\n" + err);
            }
            assertTrue(err.contains("Usage: java -jar coro-agent.jar launch"), err);
        }
    }

    // ---- helpers ----

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** The example classes and this module's test classes (the agent jar brings the runtime). */
    private static String classPath() throws Exception {
        Path tests = Path.of(LauncherTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return System.getProperty("coro.examples.classes") + java.io.File.pathSeparator + tests;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** One HTTP/1.0 GET on a fresh connection: the whole answer. */
    static String get(int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Launched launch(String... args) throws IOException {
        String agent = System.getProperty("coro.agent.jar");
        assertTrue(agent != null && Files.exists(Path.of(agent)), "agent jar not built: " + agent);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-jar");
        cmd.add(agent);
        cmd.add("launch");
        cmd.addAll(List.of(args));
        Launched l = new Launched(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        started.add(l);
        return l;
    }

    /** A launcher process and everything it printed so far. */
    static final class Launched {
        final Process process;
        private final StringBuffer out = new StringBuffer();
        private final Thread reader;

        Launched(Process process) {
            this.process = process;
            reader = new Thread(() -> {
                byte[] buf = new byte[4096];
                try (InputStream in = process.getInputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // the launcher is gone
                }
            }, "launcher-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** What it printed so far; once it has exited, all of it (the reader may still be draining the pipe). */
        String output() {
            if (!process.isAlive()) {
                try {
                    reader.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return out.toString();
        }

        /** Polls the output until {@code regex} matches; the match. */
        Matcher await(String regex, Duration timeout) throws InterruptedException {
            return awaitAfter(null, regex, timeout);
        }

        /** Polls until {@code regex} matches after the last occurrence of {@code after} (if given). */
        Matcher awaitAfter(String after, String regex, Duration timeout) throws InterruptedException {
            Pattern p = Pattern.compile(regex);
            long deadline = System.nanoTime() + timeout.toNanos();
            for (;;) {
                String text = output();
                int from = after == null ? 0 : text.lastIndexOf(after);
                if (from >= 0) {
                    Matcher m = p.matcher(text);
                    if (m.find(from)) {
                        return m;
                    }
                }
                if (!process.isAlive() && text.equals(output())) {
                    fail("the launcher exited (" + process.exitValue() + ") before printing /" + regex + "/:\n" + text);
                }
                if (System.nanoTime() > deadline) {
                    fail("no /" + regex + "/ within " + timeout + ":\n" + text);
                }
                Thread.sleep(20);
            }
        }

        /** SIGTERM to the launcher, as {@code kill} does (Process.destroy() would also close its output pipe). */
        void signalTerm() {
            process.toHandle().destroy();
        }

        /** SIGTERM, then its exit code. */
        int terminate(Duration timeout) throws InterruptedException {
            signalTerm();
            assertTrue(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS), "the launcher did not stop:\n"
                    + output());
            Thread.sleep(0);
            return process.exitValue();
        }

        /** Kills the launcher and its workers (after a failed test; a worker also leaves when its launcher dies). */
        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
