package dev.coro.redis;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real redis-server for a test, on a free loopback port in a directory of its own, optionally with its append-only
 * file on, and restartable on the same port and files. CI installs the Debian package (.ci/run); elsewhere, without
 * redis-server on the PATH, tests skip unless {@code -Dcoro.require.servers=true}, which CI sets.
 */
public final class RedisServer implements AutoCloseable {
    public final int port;
    private final String exe;
    private final Path dir;
    private final boolean aof;
    private Process process;

    private RedisServer(String exe, int port, Path dir, boolean aof) {
        this.exe = exe;
        this.port = port;
        this.dir = dir;
        this.aof = aof;
    }

    public static RedisServer start(boolean appendOnly) throws Exception {
        String exe = find("redis-server");
        if (exe == null) {
            if (Boolean.getBoolean("coro.require.servers")) {
                throw new IllegalStateException("redis-server is not installed: apt-get install -y redis-server");
            }
            assumeTrue(false, "redis-server is not installed (apt-get install -y redis-server)");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisServer r = new RedisServer(exe, port, Files.createTempDirectory("coro-redis"), appendOnly);
        r.launch();
        return r;
    }

    private void launch() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(exe, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--dir", dir.toString()));
        if (aof) {
            cmd.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            cmd.addAll(List.of("--appendonly", "no"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                process = p;
                return;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("redis-server did not start: "
                            + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(20);
            }
        }
    }

    /** Stops the server (SIGTERM: it finishes writing its append-only file) and starts it again on the same files. */
    public void restart() throws Exception {
        stop();
        launch();
    }

    /** Kills the server outright (SIGKILL), then starts it again: only what reached the append-only file survives. */
    public void crashAndRestart() throws Exception {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        launch();
    }

    private void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("redis.log"));
    }

    static String find(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        for (String d : new String[] {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            stop();
        }
    }
}
