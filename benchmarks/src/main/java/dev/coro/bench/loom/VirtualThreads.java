package dev.coro.bench.loom;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Virtual threads reached through a method handle, since the build targets Java 17 ({@code --release 17}) and
 * {@code Thread.startVirtualThread} only exists from Java 21. The benchmarks run on JDK 25 (see run.sh) with one
 * carrier: {@code -Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1}, so that
 * they compare with coro's and Kotlin's single-threaded loops.
 */
public final class VirtualThreads {
    private VirtualThreads() {
    }

    private static final MethodHandle START_VIRTUAL_THREAD = find();

    private static MethodHandle find() {
        try {
            return MethodHandles.publicLookup().findStatic(Thread.class, "startVirtualThread",
                    MethodType.methodType(Thread.class, Runnable.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }

    /** Starts a virtual thread running {@code task}. */
    public static Thread start(Runnable task) {
        if (START_VIRTUAL_THREAD == null) {
            throw new UnsupportedOperationException("virtual threads need Java 21 or later; this is Java "
                    + System.getProperty("java.version") + " (run the benchmarks with JDK 25: see run.sh)");
        }
        try {
            return (Thread) START_VIRTUAL_THREAD.invokeExact(task);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Waits for a thread, turning an interrupt into an unchecked failure (a benchmark is never interrupted). */
    public static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static volatile boolean warned;

    /** Says once on stderr if the scheduler was not set to one carrier: the figures would not compare. */
    public static void checkOneCarrier() {
        if (!warned && !"1".equals(System.getProperty("jdk.virtualThreadScheduler.parallelism"))) {
            warned = true;
            System.err.println("WARNING: -Djdk.virtualThreadScheduler.parallelism=1 is not set: virtual threads "
                    + "run on several carriers, which the coro and Kotlin peers do not have (use run.sh)");
        }
    }
}
