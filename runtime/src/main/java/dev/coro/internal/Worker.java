package dev.coro.internal;

/**
 * What the launcher ({@code java -jar coro-agent.jar launch}) tells each worker JVM through its environment: its
 * index ({@code CORO_WORKER_ID}, 0-based), how many workers there are ({@code CORO_WORKER_COUNT}) and how long a
 * graceful shutdown may take ({@code CORO_GRACE_MS}). Outside the launcher: worker 0 of 1.
 */
public final class Worker {
    public static final String ID_ENV = "CORO_WORKER_ID";
    public static final String COUNT_ENV = "CORO_WORKER_COUNT";
    public static final String GRACE_ENV = "CORO_GRACE_MS";
    /** The launcher's pid: a worker whose launcher is gone shuts itself down. */
    public static final String LAUNCHER_PID_ENV = "CORO_LAUNCHER_PID";

    private static final boolean LAUNCHED = System.getenv(COUNT_ENV) != null;
    private static final int COUNT = Math.max(1, intEnv(COUNT_ENV, 1));
    private static final int ID = Math.max(0, Math.min(COUNT - 1, intEnv(ID_ENV, 0)));

    private Worker() {
    }

    /** True in a worker started by the launcher. */
    public static boolean launched() {
        return LAUNCHED;
    }

    public static int id() {
        return ID;
    }

    public static int count() {
        return COUNT;
    }

    static long longEnv(String name, long dflt) {
        String v = System.getenv(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static int intEnv(String name, int dflt) {
        long v = longEnv(name, dflt);
        return v > Integer.MAX_VALUE || v < Integer.MIN_VALUE ? dflt : (int) v;
    }
}
