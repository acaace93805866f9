package dev.coro.tests.libraries;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real PostgreSQL server for a test class: a fresh cluster (initdb, trust authentication on loopback) in a temp
 * directory, on a free port, stopped and deleted afterwards. PostgreSQL refuses to run as root, so as root it runs
 * as the {@code postgres} user that Debian's package creates. CI installs the package (.ci/run); elsewhere, without
 * it, the tests are skipped unless {@code -Dcoro.require.servers=true}.
 */
final class PostgresServer implements AutoCloseable {
    final int port;
    private final String bin;
    private final Path dir;
    private final boolean asPostgres;

    private PostgresServer(int port, String bin, Path dir, boolean asPostgres) {
        this.port = port;
        this.bin = bin;
        this.dir = dir;
        this.asPostgres = asPostgres;
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    static PostgresServer start() throws Exception {
        String bin = findBin();
        if (bin == null) {
            if (Boolean.getBoolean("coro.require.servers")) {
                throw new IllegalStateException("PostgreSQL is not installed: apt-get install -y postgresql");
            }
            assumeTrue(false, "PostgreSQL is not installed (apt-get install -y postgresql)");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("coro-pg");
        Path data = dir.resolve("data");
        if (root) {
            run(List.of("chown", "postgres", dir.toString()), dir);
        }
        PostgresServer server = new PostgresServer(port, bin, dir, root);
        server.pg(List.of(bin + "/initdb", "-D", data.toString(), "-U", "postgres", "--auth=trust", "-E", "UTF8"));
        server.pg(List.of(bin + "/pg_ctl", "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w",
                "-t", "30", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1"
                        + " -c max_connections=200 -c fsync=off", "start"));
        return server;
    }

    private void pg(List<String> command) throws Exception {
        List<String> c = new ArrayList<>();
        if (asPostgres) {
            c.addAll(Arrays.asList("runuser", "-u", "postgres", "--"));
        }
        c.addAll(command);
        run(c, dir);
    }

    private static void run(List<String> command, Path dir) throws Exception {
        File log = dir.resolve("command.log").toFile();
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(log.toPath()));
        }
    }

    private static String findBin() {
        File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (versions != null) {
            Arrays.sort(versions);
            for (int i = versions.length - 1; i >= 0; i--) {
                File initdb = new File(versions[i], "bin/initdb");
                if (initdb.canExecute()) {
                    return initdb.getParent();
                }
            }
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        try {
            pg(List.of(bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"));
        } finally {
            deleteTree(dir.toFile());
        }
    }

    private static void deleteTree(File f) throws IOException {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteTree(c);
            }
        }
        Files.deleteIfExists(f.toPath());
    }
}
