package dev.coro.tests.diagnostics;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task that fails while nobody is joining it: its exception is reported once, to a handler the user can replace
 * ({@link Coro#setUncaughtExceptionHandler}), and kept for a later {@code join()}; the other tasks go on.
 */
class UnjoinedFailureTest extends WarningCapture {
    /** What the handler was given: the task and its exception, once per call. */
    private final List<Object[]> reports = Collections.synchronizedList(new ArrayList<>());
    private final BiConsumer<Task<?>, Throwable> recorder = (t, e) -> reports.add(new Object[] {t, e});

    @AfterEach
    void restoreDefaultHandler() {
        Coro.setUncaughtExceptionHandler(null);
    }

    @Coroutine
    static int failAfter(long ms, RuntimeException e) {
        Coro.sleep(ms);
        throw e;
    }

    /** Fails with an exception made here, after a sleep: its stack names this method. */
    @Coroutine
    static int failWith(String message) {
        Coro.sleep(5);
        throw new IllegalStateException(message);
    }

    @Coroutine
    static int valueAfter(long ms, int value) {
        Coro.sleep(ms);
        return value;
    }

    @Test
    void aFailureNobodyJoinsIsReportedOnceWithItsTaskAndTheOtherTasksGoOn() {
        Coro.setUncaughtExceptionHandler(recorder);
        IllegalStateException boom = new IllegalStateException("boom");
        Task<?>[] doomed = new Task<?>[1];
        int survived = Coro.run(() -> {
            doomed[0] = Coro.spawn("doomed", () -> failAfter(10, boom));
            Task<Integer> survivor = Coro.spawn("survivor", () -> valueAfter(60, 42));
            return survivor.join();
        });
        assertEquals(42, survived, "a task of the same loop finished after the failure");
        assertEquals(1, reports.size(), "reports: " + reports.size());
        assertSame(doomed[0], reports.get(0)[0], "the report names the failed task");
        assertEquals("doomed", ((Task<?>) reports.get(0)[0]).name());
        assertSame(boom, reports.get(0)[1], "the report carries the task's own exception");
        assertTrue(warningsContaining("doomed").isEmpty(), "the default report ran too: " + allWarnings());
    }

    @Test
    void theExceptionIsKeptForALaterJoinAndNotReportedAgain() {
        Coro.setUncaughtExceptionHandler(recorder);
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = Coro.run(() -> {
            Task<Integer> t = Coro.spawn("doomed", () -> failAfter(5, boom));
            Coro.sleep(40); // it fails meanwhile, nobody joining
            try {
                t.join();
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        });
        assertSame(boom, thrown, "join throws the task's exception");
        assertEquals(1, reports.size(), "reported once, when it failed unjoined; the later join adds no report");
    }

    @Test
    void aFailureSomebodyIsWaitingForIsNotReported() {
        Coro.setUncaughtExceptionHandler(recorder);
        List<Throwable> seenByCallback = new ArrayList<>();
        Object result = Coro.run(() -> {
            Task<Integer> joined = Coro.spawn("joined", () -> failAfter(10, new IllegalStateException("joined")));
            Task<Integer> watched = Coro.spawn("watched", () -> failAfter(10, new IllegalStateException("watched")));
            watched.onComplete(t -> seenByCallback.add(t.exception()));
            try {
                joined.join(); // waits: the failure comes while this join is waiting for it
                return "joined returned";
            } catch (IllegalStateException expected) {
                Coro.sleep(30);
                return null;
            }
        });
        assertEquals(null, result, "the join did not throw");
        assertEquals(1, seenByCallback.size(), "the callback saw the failure");
        assertEquals("watched", seenByCallback.get(0).getMessage());
        assertEquals(0, reports.size(), "a failure that a join or a callback waited for is theirs, not the handler's");
    }

    @Test
    void aCancelledTaskIsNotReported() {
        Coro.setUncaughtExceptionHandler(recorder);
        Coro.run(() -> {
            Task<Integer> t = Coro.spawn("cancelled", () -> valueAfter(5_000, 1));
            Coro.sleep(10);
            t.cancel();
            Coro.sleep(10);
            Coro.spawn("leftRunning", () -> valueAfter(5_000, 2)); // cancelled by the end of Coro.run
            Coro.sleep(10);
            return null;
        });
        assertEquals(0, reports.size(), "a cancellation is no failure");
    }

    @Test
    void theDefaultReportNamesTheTaskAndCarriesItsStack() {
        Coro.run(() -> {
            Coro.spawn("doomed", () -> failWith("the reason"));
            Coro.sleep(40);
            return null;
        });
        List<String> w = warningsContaining("doomed");
        assertEquals(1, w.size(), "warnings: " + allWarnings());
        assertTrue(w.get(0).contains("IllegalStateException: the reason"), w.get(0));
        assertTrue(w.get(0).contains("at dev.coro.tests.diagnostics.UnjoinedFailureTest.failWith("),
                "the stack of the failure: " + w.get(0));
    }

    @Test
    void aHandlerThatThrowsFallsBackToTheDefaultReportAndTheLoopGoesOn() {
        Coro.setUncaughtExceptionHandler((t, e) -> {
            throw new UnsupportedOperationException("a broken handler");
        });
        int survived = Coro.run(() -> {
            Coro.spawn("doomed", () -> failAfter(5, new IllegalStateException("the reason")));
            return Coro.spawn(() -> valueAfter(40, 7)).join();
        });
        assertEquals(7, survived);
        List<String> w = warningsContaining("doomed");
        assertEquals(1, w.size(), "warnings: " + allWarnings());
        assertTrue(w.get(0).contains("the reason"), w.get(0));
    }

    @Test
    void nullRestoresTheDefaultHandler() {
        Coro.setUncaughtExceptionHandler(recorder);
        Coro.setUncaughtExceptionHandler(null);
        Coro.run(() -> {
            Coro.spawn("doomed", () -> failAfter(5, new IllegalStateException("the reason")));
            Coro.sleep(40);
            return null;
        });
        assertEquals(0, reports.size(), "the replaced handler was called");
        assertEquals(1, warningsContaining("doomed").size(), "warnings: " + allWarnings());
    }
}
