package dev.coro.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The seed's distributed processes, end to end: TaskManager and two TaskWorkers as separate JVMs; one worker is
 * killed (SIGKILL) in the middle of a task, and all ten results must still arrive, each exactly once. Across two
 * "hosts" (network namespaces joined by a veth pair, made by the test), on loopback, and on Redis.
 */
class DistributedTasksTest {
    private static final Pattern RESULT = Pattern.compile("Result: (\\d+) \\* \\d+ = (\\d+) \\(task (\\S+), by (\\S+)\\)");
    private static final Pattern PUT = Pattern.compile("Put task (\\d+)\\.\\.\\.");

    private static final String REDIS_PASSWORD = "test-only-" + Long.toHexString(System.nanoTime());

    private final List<Proc> procs = new ArrayList<>();
    private final List<String[]> cleanup = new ArrayList<>();
    private Process redis;

    /** A JVM (or redis-server) whose output lines are collected as they come. */
    static final class Proc {
        final String name;
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Proc(String name, List<String> cmd) throws IOException {
            this.name = name;
            this.process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            }, "output of " + name);
            t.setDaemon(true);
            t.start();
        }

        String await(String fragment, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                for (String l : lines) {
                    if (l.contains(fragment)) {
                        return l;
                    }
                }
                Thread.sleep(20);
            }
            throw new AssertionError(name + " never printed '" + fragment + "':\n" + output());
        }

        String output() {
            return String.join("\n", lines);
        }
    }

    private Proc java(String name, String netns, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of(ip(), "netns", "exec", netns));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-javaagent:" + System.getProperty("coro.agent.jar"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Proc p = new Proc(name, cmd);
        procs.add(p);
        return p;
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Proc p : procs) {
            p.process.destroyForcibly();
        }
        for (Proc p : procs) {
            p.process.waitFor(10, TimeUnit.SECONDS);
        }
        if (redis != null) {
            redis.destroyForcibly();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            run(cleanup.get(i)); // best effort, every step
        }
    }

    // ---- the scenario ----

    /**
     * The manager puts ten numbers; two workers take them; worker 1 is killed while it works on a task. The
     * manager must print ten results, one per task id, with the right squares of exactly the numbers it put, and
     * the task worker 1 held must have been done by worker 2.
     */
    private void scenario(String netnsManager, String netnsWorkers, String[] managerArgs, String[] workerArgs)
            throws Exception {
        Proc manager = java("manager", netnsManager, "dev.coro.examples.TaskManager", managerArgs);
        manager.await("Try get results", 60);
        Proc w1 = java("worker 1", netnsWorkers, "dev.coro.examples.TaskWorker", concat(workerArgs, "--name", "w1"));
        String running = w1.await("run task", 60);
        Matcher held = Pattern.compile("\\(task (\\S+)\\)").matcher(running);
        assertTrue(held.find(), running);
        String heldTask = held.group(1);
        Proc w2 = java("worker 2", netnsWorkers, "dev.coro.examples.TaskWorker", concat(workerArgs, "--name", "w2"));
        w1.process.destroyForcibly(); // SIGKILL, mid-task: no goodbye to the manager
        w1.process.waitFor(10, TimeUnit.SECONDS);
        assertTrue(manager.process.waitFor(120, TimeUnit.SECONDS), "the manager did not finish:\n" + manager.output());
        String out = manager.output();
        assertEquals(0, manager.process.exitValue(), "manager:\n" + out + "\nworker 1:\n" + w1.output()
                + "\nworker 2:\n" + w2.output());

        List<Long> put = new ArrayList<>();
        Matcher pm = PUT.matcher(out);
        while (pm.find()) {
            put.add(Long.parseLong(pm.group(1)));
        }
        assertEquals(10, put.size(), out);
        Map<String, Long> byTask = new HashMap<>();
        List<Long> numbers = new ArrayList<>();
        Matcher rm = RESULT.matcher(out);
        while (rm.find()) {
            long n = Long.parseLong(rm.group(1));
            assertEquals(n * n, Long.parseLong(rm.group(2)), rm.group());
            assertTrue(byTask.put(rm.group(3), n) == null, "task " + rm.group(3) + " reported twice:\n" + out);
            numbers.add(n);
        }
        assertEquals(10, byTask.size(), "ten results, one per task:\n" + out);
        put.sort(null);
        numbers.sort(null);
        assertEquals(put, numbers, "the results are those of the numbers put");
        assertTrue(out.contains("All 10 results."), out);
        assertTrue(!out.contains("Duplicate result"), "no task was done twice here (none overran its lease):\n" + out);
        Matcher redone = Pattern.compile("task " + Pattern.quote(heldTask) + ", by (\\S+)\\)").matcher(out);
        assertTrue(redone.find(), out);
        assertEquals("w2", redone.group(1), "the task worker 1 died on was done again by worker 2:\n" + out);
        System.out.println("manager:\n" + out + "\nworker 2:\n" + w2.output());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    // ---- the tests ----

    @Test
    void onOneMachineAKilledWorkersTaskIsRedoneAndEveryResultArrivesOnce() throws Exception {
        int port = freePort();
        scenario(null, null,
                new String[] {"--port", String.valueOf(port), "--timeout", "60"},
                new String[] {"--port", String.valueOf(port), "--pause", "300ms", "--tasks", "0", "--idle", "5"});
    }

    @Test
    void acrossTwoHostsInNetworkNamespaces() throws Exception {
        String[] ns = twoHosts();
        scenario(ns[0], ns[1],
                new String[] {"--bind", "10.231.0.1", "--port", "5000", "--timeout", "60"},
                new String[] {"--server", "10.231.0.1", "--port", "5000", "--pause", "300ms", "--tasks", "0",
                        "--idle", "5"});
    }

    @Test
    void onRedisAKilledWorkersTaskIsClaimedWhenItsLeaseRunsOut() throws Exception {
        int port = freePort();
        startRedis(null, "127.0.0.1", port);
        String redisAt = "127.0.0.1:" + port;
        scenario(null, null,
                new String[] {"--redis", redisAt, "--timeout", "60", "--lease", "2"},
                new String[] {"--redis", redisAt, "--pause", "300ms", "--tasks", "0", "--idle", "8", "--lease", "2"});
    }

    @Test
    void onRedisAcrossTwoHostsInNetworkNamespaces() throws Exception {
        String[] ns = twoHosts();
        startRedis(ns[0], "10.231.0.1", 6390);
        String redisAt = "10.231.0.1:6390";
        // reachable from the other host: Redis's protected mode wants a password
        scenario(ns[0], ns[1],
                new String[] {"--redis", redisAt, "--redis-password", REDIS_PASSWORD, "--timeout", "60", "--lease", "2"},
                new String[] {"--redis", redisAt, "--redis-password", REDIS_PASSWORD, "--pause", "300ms", "--tasks", "0",
                        "--idle", "8", "--lease", "2"});
    }

    // ---- two hosts ----

    /**
     * Two network namespaces joined by a veth pair: the manager's host 10.231.0.1/24, the workers' 10.231.0.2/24.
     * Only these two test hosts' own addresses; nothing on the machine's own interfaces changes. Skipped, with the
     * reason, only where namespaces cannot be made (no {@code ip}, not root, no CAP_SYS_ADMIN); CI runs as root.
     */
    private String[] twoHosts() throws Exception {
        String why = netnsUnavailable();
        Assumptions.assumeTrue(why == null, "network namespaces are not available here: " + why);
        String tag = Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 1296, 36);
        String a = "coro-" + tag + "-m";
        String b = "coro-" + tag + "-w";
        String va = "cv" + tag + "m";
        String vb = "cv" + tag + "w";
        exec(ip(), "netns", "add", a);
        cleanup.add(new String[] {ip(), "netns", "del", a});
        exec(ip(), "netns", "add", b);
        cleanup.add(new String[] {ip(), "netns", "del", b}); // deleting a namespace deletes its end of the pair
        exec(ip(), "link", "add", va, "type", "veth", "peer", "name", vb);
        cleanup.add(new String[] {ip(), "link", "del", va}); // if it is still in the root namespace
        exec(ip(), "link", "set", va, "netns", a);
        exec(ip(), "link", "set", vb, "netns", b);
        exec(ip(), "-n", a, "addr", "add", "10.231.0.1/24", "dev", va);
        exec(ip(), "-n", b, "addr", "add", "10.231.0.2/24", "dev", vb);
        for (String[] nd : new String[][] {{a, va}, {b, vb}}) {
            exec(ip(), "-n", nd[0], "link", "set", "lo", "up");
            exec(ip(), "-n", nd[0], "link", "set", nd[1], "up");
        }
        return new String[] {a, b};
    }

    /** Null if namespaces can be made here, else why not. */
    private static String netnsUnavailable() throws Exception {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "not Linux";
        }
        if (ip() == null) {
            return "no 'ip' command (iproute2)";
        }
        String probe = "coro-probe-" + ProcessHandle.current().pid();
        String[] r = run(new String[] {ip(), "netns", "add", probe});
        if (!r[0].equals("0")) {
            return "'ip netns add' failed (needs root or CAP_SYS_ADMIN): " + r[1].trim();
        }
        run(new String[] {ip(), "netns", "del", probe});
        return null;
    }

    private static String ip() {
        for (String d : new String[] {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
            File f = new File(d, "ip");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    private static void exec(String... cmd) throws Exception {
        String[] r = run(cmd);
        if (!r[0].equals("0")) {
            fail(String.join(" ", cmd) + " failed (" + r[0] + "): " + r[1]);
        }
    }

    /** {exit status, output}. */
    private static String[] run(String[] cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new String[] {"timeout", out};
            }
            return new String[] {String.valueOf(p.exitValue()), out};
        } catch (IOException | InterruptedException e) {
            return new String[] {"-1", e.toString()};
        }
    }

    // ---- redis ----

    private void startRedis(String netns, String bind, int port) throws Exception {
        String exe = null;
        for (String d : new String[] {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
            if (new File(d, "redis-server").canExecute()) {
                exe = d + "/redis-server";
            }
        }
        if (exe == null) {
            if (Boolean.getBoolean("coro.require.servers")) {
                fail("redis-server is not installed: apt-get install -y redis-server");
            }
            Assumptions.assumeTrue(false, "redis-server is not installed (apt-get install -y redis-server)");
        }
        Path dir = Files.createTempDirectory("coro-redis");
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of(ip(), "netns", "exec", netns));
        }
        cmd.addAll(List.of(exe, "--port", String.valueOf(port), "--bind", bind, "--save", "", "--appendonly", "yes",
                "--dir", dir.toString()));
        if (netns != null) {
            cmd.addAll(List.of("--requirepass", REDIS_PASSWORD));
        }
        redis = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        // wait until it answers (from inside its namespace, if any)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            boolean up;
            if (netns == null) {
                try (Socket s = new Socket(bind, port)) {
                    up = true;
                } catch (IOException e) {
                    up = false;
                }
            } else {
                up = run(new String[] {ip(), "netns", "exec", netns, "redis-cli", "-h", bind, "-p",
                        String.valueOf(port), "--no-auth-warning", "-a", REDIS_PASSWORD, "ping"})[1].contains("PONG");
            }
            if (up) {
                return;
            }
            if (!redis.isAlive() || System.nanoTime() > deadline) {
                fail("redis-server did not start: " + Files.readString(dir.resolve("log")));
            }
            Thread.sleep(50);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aWrongKeyIsRefusedClearly() throws Exception {
        int port = freePort();
        Proc manager = java("manager", null, "dev.coro.examples.TaskManager", "--port", String.valueOf(port),
                "--tasks", "1", "--timeout", "20");
        manager.await("Try get results", 60);
        Proc w = java("worker", null, "dev.coro.examples.TaskWorker", "--port", String.valueOf(port), "--authkey",
                "wrong");
        assertTrue(w.process.waitFor(60, TimeUnit.SECONDS));
        assertTrue(w.process.exitValue() != 0, w.output());
        assertNotNull(w.await("AuthenticationException", 1));
        assertNotNull(w.await("rejected this key", 1));
        manager.await("did not prove it knows the key", 10);
    }
}
