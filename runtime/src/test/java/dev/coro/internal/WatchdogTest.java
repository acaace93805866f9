package dev.coro.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watchdog's looks at a loop whose thread is stuck in one long call, driven with a clock of the test's own (this
 * module's tests run without the watchdog's thread: see the pom).
 */
class WatchdogTest {
    private static final long MS = 1_000_000L;
    private static final long BLOCKED = 100 * MS;

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private Consumer<String> oldSink;
    private Loop loop;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void aLoopStuckInOneCall() throws InterruptedException {
        oldSink = Diagnostics.setSink(warnings::add);
        loop = Loop.startDaemon("watchdog-test");
        CountDownLatch inCall = new CountDownLatch(1);
        loop.execute(() -> {
            inCall.countDown();
            try {
                release.await(); // not parked in the loop, not turning: stuck
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(inCall.await(10, TimeUnit.SECONDS));
    }

    @AfterEach
    void release() {
        release.countDown();
        loop.endDaemon();
        loop.awaitEnd(10_000);
        Diagnostics.setSink(oldSink);
    }

    private long reports() {
        return warnings.stream().filter(w -> w.contains("has not turned")).count();
    }

    @Test
    void aLoopThatDoesNotTurnForTheThresholdIsReportedOnce() {
        long t0 = System.nanoTime();
        for (long t = 0; t <= 300; t += 5) {
            Watchdog.tick(List.of(loop), t0 + t * MS, false, 0, BLOCKED);
        }
        assertEquals(1, reports(), warnings.toString());
        assertTrue(warnings.get(0).contains("has not turned for 100 ms"), warnings.get(0));
    }

    @Test
    void aStallOfTheWholeProcessIsNotBlamedOnTheLoop() {
        long t0 = System.nanoTime();
        List<Loop> loops = List.of(loop);
        Watchdog.tick(loops, t0, false, 0, BLOCKED);
        Watchdog.tick(loops, t0 + 5 * MS, false, 0, BLOCKED);
        // the watchdog itself woke 300 ms late (a collector's pause, say): every thread stood still that long
        Watchdog.tick(loops, t0 + 305 * MS, true, 0, BLOCKED);
        Watchdog.tick(loops, t0 + 310 * MS, false, 0, BLOCKED);
        assertEquals(0, reports(), "a stall was blamed on the loop: " + warnings);
        // the loop's own time counts again from the end of the stall
        for (long t = 315; t <= 400; t += 5) {
            Watchdog.tick(loops, t0 + t * MS, false, 0, BLOCKED);
        }
        assertEquals(0, reports(), "reported before 100 ms of the loop's own: " + warnings);
        Watchdog.tick(loops, t0 + 405 * MS, false, 0, BLOCKED);
        assertEquals(1, reports(), warnings.toString());
        assertTrue(warnings.get(0).contains("has not turned for 100 ms"), warnings.get(0));
    }

    /**
     * Another thread woke the loop, whose thread then waits for a core: the loop is idle, not blocked by a task. The
     * state is set by hand here, as the loop thread (held in its call) cannot be kept from running otherwise.
     */
    @Test
    void aLoopWokenButNotYetScheduledIsNotReported() throws Exception {
        java.lang.reflect.Field f = Loop.class.getDeclaredField("parkState");
        f.setAccessible(true);
        java.util.concurrent.atomic.AtomicInteger state = (java.util.concurrent.atomic.AtomicInteger) f.get(loop);
        java.lang.reflect.Field k = Loop.class.getDeclaredField("KNOCKED");
        k.setAccessible(true);
        state.set(k.getInt(null));
        long t0 = System.nanoTime();
        for (long t = 0; t <= 300; t += 5) {
            Watchdog.tick(List.of(loop), t0 + t * MS, false, 0, BLOCKED);
        }
        assertEquals(0, reports(), "a wake-up waiting for a core was blamed on the loop: " + warnings);
        state.set(0); // running again, and stuck in its call: reported from then on
        for (long t = 305; t <= 500; t += 5) {
            Watchdog.tick(List.of(loop), t0 + t * MS, false, 0, BLOCKED);
        }
        assertEquals(1, reports(), warnings.toString());
    }

    private static final CountDownLatch IN_INITIALISER = new CountDownLatch(1);
    private static final CountDownLatch LEAVE_INITIALISER = new CountDownLatch(1);

    /** Its static initialiser holds whoever first uses it until the test lets go. */
    static final class SlowToInitialise {
        static {
            IN_INITIALISER.countDown();
            try {
                LEAVE_INITIALISER.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static void touch() {
        }
    }

    /** Initialising a class on first use (a JDK class's, say) is a one-time cost, as loading one is. */
    @Test
    void aLoopInitialisingAClassOnFirstUseIsNotReported() throws Exception {
        Loop initialising = Loop.startDaemon("watchdog-test-clinit");
        initialising.execute(SlowToInitialise::touch);
        try {
            assertTrue(IN_INITIALISER.await(10, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            for (long t = 0; t <= 300; t += 5) {
                Watchdog.tick(List.of(initialising), t0 + t * MS, false, 0, BLOCKED);
            }
            assertEquals(0, warnings.stream().filter(w -> w.contains("watchdog-test-clinit")).count(),
                    warnings.toString());
        } finally {
            LEAVE_INITIALISER.countDown();
            initialising.endDaemon();
            initialising.awaitEnd(10_000);
        }
    }

    private static final CountDownLatch IN_LOOKUP = new CountDownLatch(1);
    private static final CountDownLatch LEAVE_LOOKUP = new CountDownLatch(1);

    /** Finds its classes slowly, as a loader reading a big jar or a remote one does, before any defineClass. */
    static final class SlowLoader extends ClassLoader {
        SlowLoader() {
            super(null);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            IN_LOOKUP.countDown();
            try {
                LEAVE_LOOKUP.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new ClassNotFoundException(name);
        }
    }

    /** Looking a class up to load it is part of loading it, also before the bytes reach defineClass. */
    @Test
    void aLoopLookingUpAClassToLoadIsNotReported() throws Exception {
        Loop loading = Loop.startDaemon("watchdog-test-lookup");
        loading.execute(() -> {
            try {
                Class.forName("example.NotThere", false, new SlowLoader());
            } catch (ClassNotFoundException expected) {
                // the point was the wait
            }
        });
        try {
            assertTrue(IN_LOOKUP.await(10, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            for (long t = 0; t <= 300; t += 5) {
                Watchdog.tick(List.of(loading), t0 + t * MS, false, 0, BLOCKED);
            }
            assertEquals(0, warnings.stream().filter(w -> w.contains("watchdog-test-lookup")).count(),
                    warnings.toString());
        } finally {
            LEAVE_LOOKUP.countDown();
            loading.endDaemon();
            loading.awaitEnd(10_000);
        }
    }

    private static StackTraceElement frame(String cls, String method) {
        return new StackTraceElement(cls, method, null, -1);
    }

    /**
     * Linking a call site on first use (here a string concatenation's, whose bootstrap spins a class: the trace a
     * worker's loop was reported with at its start) is a one-time cost; a sleep under the same frames is not.
     */
    @Test
    void linkingACallSiteOnFirstUseCountsAsLoadingAndASleepDoesNot() {
        StackTraceElement[] below = {
            frame("java.lang.invoke.MethodHandleNatives", "linkCallSite"),
            frame("dev.coro.Manager", "start"),
            frame("dev.coro.internal.Loop", "resume"),
        };
        StackTraceElement[] linking = new StackTraceElement[below.length + 2];
        linking[0] = frame("java.lang.invoke.InvokerBytecodeGenerator", "generateCustomizedCodeBytes");
        linking[1] = frame("java.lang.invoke.StringConcatFactory", "makeConcatWithConstants");
        System.arraycopy(below, 0, linking, 2, below.length);
        assertTrue(Loop.loadingClasses(linking));
        StackTraceElement[] sleeping = {
            frame("java.lang.Thread", "sleep"),
            frame("dev.coro.Manager", "start"),
            frame("dev.coro.internal.Loop", "resume"),
        };
        assertFalse(Loop.loadingClasses(sleeping));
    }
}
