package dev.coro.bench.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control side of the Java echo servers ({@link CoroEchoServer}, {@link LoomEchoServer}, {@link NettyEchoServer}),
 * shared so that they answer the benchmark alike. A platform daemon thread (not instrumented, not a virtual thread)
 * reads commands on stdin, one a line, and answers on stdout:
 * <ul>
 *   <li>{@code mem}: {@code mem <connections> <heapBytes> <rssBytes>}: the connections currently open, the heap in
 *       use after three {@code System.gc()} calls, and the process's resident set ({@code VmRSS}).</li>
 *   <li>end of input: the server exits (the benchmark's teardown closes its stdin).</li>
 * </ul>
 * The server prints {@code listening on port N} once it accepts connections.
 */
final class ServerControl {
    /** Connections accepted and not yet closed: the servers count them on accept and on close. */
    static final AtomicInteger OPEN = new AtomicInteger();

    /** The read buffer of a blocking connection (coro and virtual threads alike), allocated per connection. */
    static final int BUFFER = 1024;

    private ServerControl() {
    }

    static void listening(int port) {
        System.out.println("listening on port " + port);
        System.out.flush();
    }

    static void start() {
        Thread t = new Thread(ServerControl::serve, "echo-control");
        t.setDaemon(true);
        t.start();
    }

    private static void serve() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("mem")) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                    }
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    System.out.println("mem " + OPEN.get() + " " + heap + " " + rssBytes());
                    System.out.flush();
                }
            }
        } catch (IOException e) {
            // stdin is gone: exit below
        }
        System.exit(0);
    }

    /** VmRSS of /proc/self/status in bytes, or -1 where there is no /proc. */
    static long rssBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }
}
