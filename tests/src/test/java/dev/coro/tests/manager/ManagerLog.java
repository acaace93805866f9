package dev.coro.tests.manager;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What the manager logs (java.util.logging, logger {@code dev.coro.manager}) while a test runs. */
final class ManagerLog extends Handler {
    /** Held here: the log manager keeps loggers only weakly, and a collected one would take the handler along. */
    private static final Logger LOGGER = Logger.getLogger("dev.coro.manager");

    private final List<String> lines = new CopyOnWriteArrayList<>();

    void start() {
        LOGGER.addHandler(this);
    }

    void stop() {
        LOGGER.removeHandler(this);
    }

    /** The first line containing {@code fragment}, waiting up to 10 s for it. */
    String logged(String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String line : lines) {
                if (line.contains(fragment)) {
                    return line;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("nothing logged with '" + fragment + "'; the log: " + lines);
    }

    @Override
    public void publish(LogRecord r) {
        String m = r.getMessage();
        if (r.getParameters() != null) {
            m = java.text.MessageFormat.format(m, r.getParameters());
        }
        lines.add(m);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return lines.toString();
    }
}
