package dev.coro.tests.diagnostics;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plain (unannotated, so not instrumented) method between two coroutine frames cannot be unwound: a suspension
 * below it either completes by blocking the loop thread (sleep, yield), with a warning naming the method to
 * annotate, or fails (join) with an exception naming it.
 */
class UnannotatedHelperTest extends WarningCapture {
    private static final String CLASS = UnannotatedHelperTest.class.getName();

    // ---- join: cannot block the loop thread, so it fails ----

    @Coroutine
    static Object joinVia(Task<?> t) {
        return joinHelper(t);
    }

    static Object joinHelper(Task<?> t) { // not annotated: not a coroutine
        return joinLeaf(t);
    }

    @Coroutine
    static Object joinLeaf(Task<?> t) {
        return t.join();
    }

    @Test
    void joinThroughAnUnannotatedHelperThrowsNamingTheHelper() {
        List<?> r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(20);
                return "value";
            });
            Object failure;
            try {
                failure = "joinVia returned " + joinVia(t);
            } catch (IllegalStateException e) {
                failure = e;
            }
            String direct = t.join(); // the pinned frames were left cleanly: a direct join suspends as usual
            return List.of(failure, direct);
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, r.get(0));
        String msg = e.getMessage();
        assertTrue(msg.contains(CLASS + ".joinHelper"), msg);
        assertTrue(msg.toLowerCase().contains("annotate"), msg);
        assertTrue(msg.contains("Coroutine"), msg);
        assertEquals("value", r.get(1));
    }

    // ---- sleep: completes by blocking the loop thread, and warns once per call site ----

    @Coroutine
    static void sleepVia(List<String> log) {
        sleepHelper(log);
    }

    @Coroutine
    static void sleepViaOtherSite(List<String> log) {
        otherSleepHelper(log);
    }

    static void sleepHelper(List<String> log) {
        sleepLeaf(log);
    }

    static void otherSleepHelper(List<String> log) {
        sleepLeaf(log);
    }

    @Coroutine
    static void sleepLeaf(List<String> log) {
        log.add("sleeping");
        Coro.sleep(40);
        log.add("slept");
    }

    @Test
    void sleepThroughAnUnannotatedHelperBlocksTheLoopAndWarnsOncePerCallSite() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        Coro.run(() -> {
            Task<Void> other = Coro.spawn(() -> {
                for (int k = 0; k < 3; k++) {
                    log.add("other" + k);
                    Coro.yield();
                }
            });
            for (int i = 0; i < 2; i++) {
                sleepVia(log); // the same call site twice
            }
            sleepViaOtherSite(log);
            log.add("main");
            Coro.yield(); // a real suspension again: the other task runs now
            log.add("main resumed");
            other.join();
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 115, "three 40 ms sleeps took " + ms + " ms");
        // the other task could not run while the loop thread slept (it may run between the sleeps: the watchdog
        // preempts a coroutine that kept the loop for a whole time slice at its next loop head)
        List<String> order = new ArrayList<>(log);
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).equals("sleeping")) {
                assertEquals("slept", order.get(i + 1), "something ran while the loop thread slept: " + order);
            }
        }
        assertEquals(3, Collections.frequency(order, "slept"), order.toString());
        assertEquals(List.of("other0", "other1", "other2"),
                order.stream().filter(e -> e.startsWith("other")).collect(java.util.stream.Collectors.toList()));
        assertTrue(order.indexOf("main") < order.indexOf("main resumed"), order.toString());
        // the pinned-call warnings only: the 120 ms of sleeps may also be reported as a blocked loop, whose stack
        // names the helper too
        List<String> first = warningsContaining("reached through " + CLASS + ".sleepHelper(");
        List<String> second = warningsContaining("reached through " + CLASS + ".otherSleepHelper(");
        assertEquals(1, first.size(), "one warning for the first call site: " + allWarnings());
        assertEquals(1, second.size(), "one warning for the second call site: " + allWarnings());
        assertTrue(first.get(0).contains("sleep"), first.get(0));
        assertTrue(first.get(0).toLowerCase().contains("annotate"), first.get(0));
    }

    // ---- yield: completes without suspending, and warns ----

    @Coroutine
    static int yieldVia(int x) {
        return yieldHelper(x) + 1;
    }

    static int yieldHelper(int x) {
        return yieldLeaf(x) * 2;
    }

    @Coroutine
    static int yieldLeaf(int x) {
        Coro.yield();
        return x;
    }

    @Test
    void yieldThroughAnUnannotatedHelperCompletesAndWarnsNamingTheHelper() {
        int r = Coro.run(() -> yieldVia(20));
        assertEquals(41, r);
        List<String> w = warningsContaining(CLASS + ".yieldHelper");
        assertEquals(1, w.size(), "warnings: " + allWarnings());
    }

    // ---- the helper calls the coro primitive itself (no @Coroutine method below it) ----

    @Coroutine
    static String directSleepVia(List<String> log) {
        String s = directSleepHelper(log);
        log.add("after helper");
        return s;
    }

    static String directSleepHelper(List<String> log) {
        Coro.sleep(40);
        log.add("helper slept");
        return "helper result";
    }

    @Test
    void sleepCalledDirectlyByAnUnannotatedHelperBlocksAndWarnsNamingTheHelper() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        String r = Coro.run(() -> {
            Task<Void> other = Coro.spawn(() -> {
                log.add("other");
            });
            String s = directSleepVia(log);
            log.add("main");
            other.join();
            return s;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("helper result", r);
        assertTrue(ms >= 38, "the sleep did not block: " + ms + " ms");
        assertEquals(List.of("helper slept", "after helper", "main", "other"), log);
        assertEquals(1, warningsContaining(CLASS + ".directSleepHelper").size(), "warnings: " + allWarnings());
    }

    @Coroutine
    static Object directJoinVia(Task<?> t) {
        return directJoinHelper(t);
    }

    static Object directJoinHelper(Task<?> t) {
        return t.join();
    }

    @Test
    void joinCalledDirectlyByAnUnannotatedHelperThrowsNamingTheHelper() {
        List<?> r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(20);
                return "value";
            });
            Object failure;
            try {
                failure = "directJoinVia returned " + directJoinVia(t);
            } catch (IllegalStateException e) {
                failure = e;
            }
            return List.of(failure, t.join());
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, r.get(0));
        assertTrue(e.getMessage().contains(CLASS + ".directJoinHelper"), e.getMessage());
        assertEquals("value", r.get(1));
    }
}
