package dev.coro.tests.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the pool's workers run in these tests. */
final class PoolFunctions {
    private PoolFunctions() {
    }

    static long square(long x) {
        return x * x;
    }

    /** Which process ran the item. */
    static long pid(Object ignored) {
        return ProcessHandle.current().pid();
    }

    /**
     * The first attempt writes this process's pid to {@code marker} and waits to be killed; a later one answers with
     * the pid that ran it.
     */
    static String dieOnce(String marker) throws IOException, InterruptedException {
        Path p = Path.of(marker);
        long me = ProcessHandle.current().pid();
        if (!Files.exists(p)) {
            Files.writeString(p.resolveSibling(p.getFileName() + ".tmp"), Long.toString(me));
            Files.move(p.resolveSibling(p.getFileName() + ".tmp"), p);
            Thread.sleep(60_000);
        }
        return "done by " + me;
    }

    /**
     * Rendezvous of two items: writes this process's pid under {@code dir}, waits until two pid files are there, and
     * returns its pid. Two items finish only if two workers run them at the same time.
     */
    static long meetAnother(String dir) throws IOException, InterruptedException {
        long me = ProcessHandle.current().pid();
        Path d = Path.of(dir);
        Files.writeString(d.resolve(me + ".pid"), "");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (var files = Files.list(d)) {
                if (files.count() >= 2) {
                    return me;
                }
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no other worker ran an item within 30 s");
    }

    static long alwaysDie(long x) {
        Runtime.getRuntime().halt(42);
        return x;
    }

    static long divide(long x) {
        return 100 / x;
    }
}
