package dev.coro.agent.launch;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts the workers and keeps them running: restarts those that exit (per {@link RestartPolicy}) with exponential
 * back-off, gives up on a crash loop, and stops them all gracefully when asked. Every decision is taken on one
 * thread (the one calling {@link #run}), from a queue of events: a worker exited, a restart is due, the grace
 * period is over, a shutdown was requested.
 */
final class Supervisor {
    static final int EXIT_OK = 0;
    static final int EXIT_WORKER_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_CRASH_LOOP = 3;
    static final int EXIT_KILLED = 4;
    static final int EXIT_START_FAILED = 5;

    /** Beyond --grace, how long the launcher waits before it kills: the worker's own cancel-and-wait fits in it. */
    static final Duration KILL_MARGIN = Duration.ofSeconds(2);

    static final class Config {
        int workers;
        RestartPolicy restart;
        Duration grace;
        int maxRestarts;
        Duration restartWindow;
        Duration backoffInitial;
        Duration backoffMax;
        Duration backoffReset;
        /** java, -javaagent:..., the user's JVM options, main class, arguments. */
        List<String> command;
    }

    private final class Slot {
        final int id;
        Process process;
        long startedNanos;
        ScheduledFuture<?> pendingStart;
        /** When it failed, within the restart window (System.nanoTime). */
        final ArrayDeque<Long> failures = new ArrayDeque<>();
        int backoffStep;
        /** Exited and will not be started again. */
        boolean retired;
        int lastStatus;

        Slot(int id) {
            this.id = id;
        }

        String name() {
            return "worker " + id + (process == null ? "" : " (pid " + process.pid() + ")");
        }
    }

    private final Config cfg;
    private final Output output;
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "launcher-timer");
        t.setDaemon(true);
        return t;
    });
    private final List<Slot> slots = new ArrayList<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int exitCode = -1;

    // supervisor thread only
    private boolean stopping;
    private int stopCode;
    private boolean killedSome;
    private boolean done;

    Supervisor(Config cfg, Output output) {
        this.cfg = cfg;
        this.output = output;
        for (int i = 0; i < cfg.workers; i++) {
            slots.add(new Slot(i));
        }
    }

    /** Runs until every worker has ended for good; returns the launcher's exit code. */
    int run() throws InterruptedException {
        output.launcher("starting " + cfg.workers + " worker(s): " + String.join(" ", cfg.command));
        for (Slot s : slots) {
            if (!stopping) {
                start(s);
            }
        }
        while (!done) {
            events.take().run();
        }
        timer.shutdownNow();
        return exitCode;
    }

    /**
     * From the shutdown hook (SIGTERM, SIGINT): asks every worker to stop, and waits until they have (killing those
     * that outlive the grace period). Returns the exit code.
     */
    int shutdown() {
        events.add(() -> stop(EXIT_OK, "shutdown requested (SIGTERM or SIGINT)"));
        long waitMs = cfg.grace.plus(KILL_MARGIN).toMillis() + 5000;
        try {
            if (!finished.await(waitMs, TimeUnit.MILLISECONDS)) {
                output.launcher("workers still running " + waitMs + " ms after the shutdown request; exiting anyway");
                for (Slot s : slots) {
                    Process p = s.process;
                    if (p != null) {
                        p.destroyForcibly();
                    }
                }
                return EXIT_KILLED;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_KILLED;
        }
        return exitCode;
    }

    boolean isFinished() {
        return finished.getCount() == 0;
    }

    // ---- events, all on the supervisor thread ----

    private void start(Slot s) {
        ProcessBuilder pb = new ProcessBuilder(cfg.command);
        Map<String, String> env = pb.environment();
        env.put("CORO_WORKER_ID", Integer.toString(s.id));
        env.put("CORO_WORKER_COUNT", Integer.toString(cfg.workers));
        env.put("CORO_GRACE_MS", Long.toString(cfg.grace.toMillis()));
        env.put("CORO_LAUNCHER_PID", Long.toString(ProcessHandle.current().pid()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            output.launcher("could not start worker " + s.id + ": " + e.getMessage());
            stop(EXIT_START_FAILED, "a worker could not be started");
            return;
        }
        try {
            p.getOutputStream().close(); // workers read no input: they see end of stream at once
        } catch (IOException ignored) {
            // nothing to close then
        }
        s.process = p;
        s.startedNanos = System.nanoTime();
        output.launcher(s.name() + " started");
        Thread out = pump(p.getInputStream(), s.id, false);
        Thread err = pump(p.getErrorStream(), s.id, true);
        Thread watcher = new Thread(() -> {
            int status;
            for (;;) {
                try {
                    status = p.waitFor();
                    break;
                } catch (InterruptedException e) {
                    // keep waiting: the launcher must learn how every worker ended
                }
            }
            joinQuietly(out);
            joinQuietly(err);
            int st = status;
            events.add(() -> exited(s, p, st));
        }, "launcher-watch-" + s.id);
        watcher.setDaemon(true);
        watcher.start();
    }

    private Thread pump(InputStream in, int id, boolean toErr) {
        Thread t = new Thread(() -> output.pump(in, "[worker " + id + "] ", toErr),
                "launcher-" + (toErr ? "stderr-" : "stdout-") + id);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(2000); // a grandchild holding the pipe open must not hold the launcher
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void exited(Slot s, Process p, int status) {
        if (s.process != p) {
            return;
        }
        String who = s.name();
        s.process = null;
        s.lastStatus = status;
        long upNanos = System.nanoTime() - s.startedNanos;
        if (stopping) {
            output.launcher(who + " stopped: " + describe(status));
            checkAllStopped();
            return;
        }
        boolean failed = status != 0;
        String what = who + " " + describe(status);
        if (!cfg.restart.restarts(status)) {
            s.retired = true;
            output.launcher(what + (failed ? "; not restarted (--restart " + cfg.restart + ")" : ""));
            checkAllRetired();
            return;
        }
        if (failed) {
            long now = System.nanoTime();
            s.failures.addLast(now);
            while (now - s.failures.peekFirst() > cfg.restartWindow.toNanos()) {
                s.failures.removeFirst();
            }
            if (s.failures.size() > cfg.maxRestarts) {
                output.launcher("crash loop: worker " + s.id + " failed " + s.failures.size() + " times within "
                        + Durations.format(cfg.restartWindow) + " (limit: --max-restarts " + cfg.maxRestarts
                        + " in --restart-window " + Durations.format(cfg.restartWindow) + "); last exit: "
                        + describe(status) + ". Giving up: stopping the launcher");
                stop(EXIT_CRASH_LOOP, "crash loop");
                return;
            }
        }
        if (upNanos >= cfg.backoffReset.toNanos()) {
            s.backoffStep = 0; // it ran long enough: this is not part of a run of quick failures
        }
        Duration delay = backoff(s.backoffStep++);
        output.launcher(what + "; restarting in " + Durations.format(delay));
        s.pendingStart = timer.schedule(() -> events.add(() -> {
            s.pendingStart = null;
            if (!stopping) {
                start(s);
            }
        }), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Duration backoff(int step) {
        Duration d = cfg.backoffInitial;
        for (int i = 0; i < step && d.compareTo(cfg.backoffMax) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(cfg.backoffMax) > 0 ? cfg.backoffMax : d;
    }

    private void stop(int code, String why) {
        if (stopping || done) {
            return;
        }
        stopping = true;
        stopCode = code;
        int live = 0;
        for (Slot s : slots) {
            if (s.pendingStart != null) {
                s.pendingStart.cancel(false);
                s.pendingStart = null;
            }
            if (s.process != null) {
                live++;
            }
        }
        if (live == 0) {
            finish(code, why + ": no worker left running");
            return;
        }
        output.launcher(why + ": asking " + live + " worker(s) to stop (SIGTERM), grace period "
                + Durations.format(cfg.grace));
        for (Slot s : slots) {
            if (s.process != null) {
                // through the handle: Process.destroy() would also close our ends of its pipes, losing its last lines
                s.process.toHandle().destroy();
            }
        }
        timer.schedule(() -> events.add(this::graceOver), cfg.grace.plus(KILL_MARGIN).toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void graceOver() {
        if (done) {
            return;
        }
        for (Slot s : slots) {
            if (s.process != null) {
                output.launcher(s.name() + " did not stop within the grace period ("
                        + Durations.format(cfg.grace) + " + " + Durations.format(KILL_MARGIN) + "): killing it (SIGKILL)");
                s.process.toHandle().destroyForcibly();
                killedSome = true;
            }
        }
    }

    private void checkAllStopped() {
        for (Slot s : slots) {
            if (s.process != null) {
                return;
            }
        }
        if (killedSome) {
            finish(stopCode == EXIT_OK ? EXIT_KILLED : stopCode, "all workers stopped; some had to be killed");
        } else {
            finish(stopCode, "all workers stopped" + (stopCode == EXIT_OK ? " gracefully" : ""));
        }
    }

    private void checkAllRetired() {
        boolean anyFailed = false;
        for (Slot s : slots) {
            if (!s.retired) {
                return;
            }
            anyFailed |= s.lastStatus != 0;
        }
        finish(anyFailed ? EXIT_WORKER_FAILED : EXIT_OK,
                anyFailed ? "every worker has ended, some abnormally" : "every worker has ended");
    }

    private void finish(int code, String why) {
        output.launcher(why + "; exit code " + code);
        output.flush();
        exitCode = code;
        done = true;
        finished.countDown();
    }

    /** How a worker ended, for people: "exited with status 1", "was killed by signal 9 (SIGKILL)". */
    static String describe(int status) {
        if (status > 128 && status < 128 + 32) {
            int sig = status - 128;
            return "exited with status " + status + " (signal " + sig + signalName(sig) + ")";
        }
        return "exited with status " + status;
    }

    private static String signalName(int sig) {
        switch (sig) {
            case 1:
                return ", SIGHUP";
            case 2:
                return ", SIGINT";
            case 3:
                return ", SIGQUIT";
            case 6:
                return ", SIGABRT";
            case 9:
                return ", SIGKILL";
            case 11:
                return ", SIGSEGV";
            case 15:
                return ", SIGTERM";
            default:
                return "";
        }
    }
}
