package dev.coro.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * Graceful shutdown of a worker: installed in every JVM the launcher starts (or with {@code -Dcoro.shutdown=true}),
 * a shutdown hook that, on SIGTERM or {@code System.exit}:
 * <ol>
 * <li>closes every listening server socket that patched code opened (a {@code ServerSocket} made in a coroutine,
 * a {@code ServerSocketChannel} bound in one), so accepting coroutines get a {@code SocketException} and servers
 * stop taking connections;</li>
 * <li>waits for the running loops to end by themselves (in-flight requests finish), up to the grace period
 * ({@code CORO_GRACE_MS} from the launcher, or {@code -Dcoro.shutdown.grace=MS}; default 10 s);</li>
 * <li>then cancels every task still running on every loop (through each loop's door), and waits briefly for their
 * {@code finally} blocks.</li>
 * </ol>
 * The hook never waits longer than the grace period plus {@link #CANCEL_WAIT_MS}.
 */
public final class Shutdown {
    /** How long the hook waits for cancelled tasks to end, after the grace period. */
    static final long CANCEL_WAIT_MS = 1000;
    static final long DEFAULT_GRACE_MS = 10_000;

    private static volatile boolean installed;
    private static volatile boolean shuttingDown;
    /** Open listeners; weak, so a server socket dropped without close() is not kept alive by this registry. */
    private static final Map<Closeable, Boolean> LISTENERS = Collections.synchronizedMap(new WeakHashMap<>());

    private Shutdown() {
    }

    /** Installs the hook in a launcher's worker, or when {@code -Dcoro.shutdown=true}; called by the agent. */
    public static void installIfWanted() {
        if (Worker.launched() || Boolean.getBoolean("coro.shutdown")) {
            install(graceMillis());
        }
    }

    static long graceMillis() {
        long env = Math.max(0, Worker.longEnv(Worker.GRACE_ENV, DEFAULT_GRACE_MS));
        return Settings.number("coro.shutdown.grace", env, 0, Settings.MAX_MILLIS);
    }

    static synchronized void install(long graceMs) {
        if (installed) {
            return;
        }
        installed = true;
        Thread hook = new Thread(() -> run(graceMs), "coro-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        watchLauncher();
    }

    /** A worker whose launcher died (kill -9) must not linger: it shuts down as on SIGTERM. */
    private static void watchLauncher() {
        long pid = Worker.longEnv(Worker.LAUNCHER_PID_ENV, -1);
        if (pid <= 0) {
            return;
        }
        Optional<ProcessHandle> launcher = ProcessHandle.of(pid);
        if (launcher.isEmpty()) {
            return;
        }
        Thread t = new Thread(() -> {
            launcher.get().onExit().join();
            if (!shuttingDown) {
                System.err.println("coro: the launcher (pid " + pid + ") is gone; shutting down");
                System.exit(1);
            }
        }, "coro-launcher-watch");
        t.setDaemon(true);
        t.start();
    }

    public static boolean isInstalled() {
        return installed;
    }

    /**
     * A server socket or server channel that patched code bound: under the launcher it gets {@code SO_REUSEPORT}
     * (call before binding), so workers share a port; and it is closed first on shutdown.
     */
    public static void beforeBind(NetworkChannel listener) throws IOException {
        if (Worker.launched() && listener.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
            listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        }
    }

    /** Registers a bound listener, to be closed when shutdown begins. */
    public static void listening(Closeable listener) {
        if (installed) {
            LISTENERS.put(listener, Boolean.TRUE);
            if (shuttingDown) {
                closeQuietly(listener); // bound while shutting down: it must not take connections either
            }
        }
    }

    public static void closed(Closeable listener) {
        LISTENERS.remove(listener);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // shutting down: nothing better to do with it
        }
    }

    /** The hook. */
    static void run(long graceMs) {
        shuttingDown = true;
        long deadline = System.nanoTime() + graceMs * 1_000_000L;
        List<Closeable> listeners;
        synchronized (LISTENERS) {
            listeners = new ArrayList<>(LISTENERS.keySet());
            LISTENERS.clear();
        }
        for (Closeable c : listeners) {
            closeQuietly(c);
        }
        int loops = Loop.loopCount();
        if (loops == 0) {
            return;
        }
        System.err.println("coro: shutting down: closed " + listeners.size() + " listening socket(s); waiting up to "
                + graceMs + " ms for " + loops + " loop(s) to finish");
        if (awaitLoops(deadline)) {
            return;
        }
        int tasks = Loop.cancelEverywhere();
        System.err.println("coro: grace period over: cancelled " + tasks + " task(s) still running");
        if (!awaitLoops(System.nanoTime() + CANCEL_WAIT_MS * 1_000_000L)) {
            System.err.println("coro: " + Loop.loopCount() + " loop(s) still running after the cancel; exiting anyway");
        }
    }

    private static boolean awaitLoops(long deadline) {
        while (Loop.loopCount() > 0) {
            if (deadline - System.nanoTime() <= 0) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return Loop.loopCount() == 0;
            }
        }
        return true;
    }
}
