package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.susI;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exceptions raised after a resume: they propagate through the rewound frames to the right handler, and their stack
 * traces name the user's methods with the source lines they were at.
 */
class ExceptionsAndStackTracesTest extends CoroTest {

    static int here() {
        return new Throwable().getStackTrace()[1].getLineNumber();
    }

    // lines[0]: the throw in the innermost method, lines[1]: the call in the middle one, lines[2]: the outer call
    @Coroutine
    static void innermost(int[] lines) {
        pause();
        lines[0] = here(); throw new IllegalStateException("after resume");
    }

    @Coroutine
    static void middle(int[] lines) {
        pause();
        lines[1] = here(); innermost(lines);
    }

    @Coroutine
    static int outer(int[] lines) {
        int before = susI(1);
        lines[2] = here(); middle(lines);
        return before;
    }

    static StackTraceElement frame(Throwable t, String method) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals(method)
                    && e.getClassName().equals(ExceptionsAndStackTracesTest.class.getName())) {
                return e;
            }
        }
        throw new AssertionError("no frame of " + method + " in " + Arrays.toString(t.getStackTrace()));
    }

    static int indexOf(Throwable t, String method) {
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < st.length; i++) {
            if (st[i].getMethodName().equals(method)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void stackTraceAfterResumeShowsOriginalMethodNamesAndSourceLines() {
        int[] lines = new int[3];
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coro.run(() -> outer(lines)));
        assertEquals("after resume", e.getMessage());
        for (int l : lines) {
            assertTrue(l > 0, "line recorded");
        }
        StackTraceElement in = frame(e, "innermost");
        StackTraceElement mid = frame(e, "middle");
        StackTraceElement out = frame(e, "outer");
        assertEquals(lines[0], in.getLineNumber(), "line of the throw: " + in);
        assertEquals(lines[1], mid.getLineNumber(), "line of the call in middle: " + mid);
        assertEquals(lines[2], out.getLineNumber(), "line of the call in outer: " + out);
        assertEquals("ExceptionsAndStackTracesTest.java", in.getFileName());
        assertTrue(indexOf(e, "innermost") < indexOf(e, "middle"));
        assertTrue(indexOf(e, "middle") < indexOf(e, "outer"));
        // each user method appears once: no leftover frames of an earlier, unwound activation
        assertEquals(1, Arrays.stream(e.getStackTrace()).filter(s -> s.getMethodName().equals("middle")).count());
    }

    @Coroutine
    static void throwsNpeAfterResume(String s) {
        pause();
        s.length(); // NullPointerException raised by the JVM, with a helpful message naming the local
    }

    @Test
    void jvmRaisedExceptionAfterResumeHasTheUserFrameOnTop() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Coro.run(() -> throwsNpeAfterResume(null)));
        assertEquals("throwsNpeAfterResume", e.getStackTrace()[0].getMethodName());
        assertEquals(ExceptionsAndStackTracesTest.class.getName(), e.getStackTrace()[0].getClassName());
    }

    // ---- propagation to the right handler through several resumed frames ----

    @Coroutine
    static String level3(int mode) throws IOException {
        pause();
        switch (mode) {
            case 0:
                throw new IOException("io");
            case 1:
                throw new UncheckedIOException(new IOException("unchecked"));
            case 2:
                throw new ArithmeticException("arith");
            default:
                return "ok";
        }
    }

    @Coroutine
    static String level2(int mode, List<String> log) throws IOException {
        try {
            return "l2:" + level3(mode);
        } catch (UncheckedIOException e) {
            log.add("l2 caught " + e.getCause().getMessage());
            pause();
            return "handled at 2";
        } finally {
            log.add("l2 finally");
        }
    }

    @Coroutine
    static String level1(int mode, List<String> log) {
        try {
            return "l1:" + level2(mode, log);
        } catch (IOException e) {
            log.add("l1 caught " + e.getMessage());
            return "handled at 1";
        }
    }

    @Test
    void exceptionsThrownAfterResumePropagateToTheRightHandler() {
        List<String> l0 = new ArrayList<>();
        List<String> l1 = new ArrayList<>();
        List<String> l2 = new ArrayList<>();
        List<String> l3 = new ArrayList<>();
        List<Object> r = concurrently(() -> level1(0, l0), () -> level1(1, l1), () -> {
            try {
                return level1(2, l2);
            } catch (ArithmeticException e) {
                return "handled at 0: " + e.getMessage();
            }
        }, () -> level1(3, l3));
        assertEquals(List.of("handled at 1", "l1:handled at 2", "handled at 0: arith", "l1:l2:ok"), r);
        assertEquals(List.of("l2 finally", "l1 caught io"), l0);
        assertEquals(List.of("l2 caught unchecked", "l2 finally"), l1);
        assertEquals(List.of("l2 finally"), l2);
        assertEquals(List.of("l2 finally"), l3);
    }

    // ---- through tasks ----

    @Test
    void uncheckedExceptionOfATaskIsRethrownAsIsByJoin() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        Object caught = Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> {
                pause();
                throw boom;
            });
            try {
                t.join();
                return "no exception";
            } catch (IllegalArgumentException e) {
                return e;
            }
        });
        assertSame(boom, caught);
    }

    @Test
    void checkedExceptionOfATaskIsWrappedInTaskFailedException() {
        IOException io = new IOException("checked");
        Object caught = Coro.run(() -> {
            Task<Integer> t = Coro.spawn(() -> {
                Coro.sleep(1);
                throw io;
            });
            try {
                t.join();
                return "no exception";
            } catch (TaskFailedException e) {
                return e;
            }
        });
        TaskFailedException tfe = assertInstanceOf(TaskFailedException.class, caught);
        assertSame(io, tfe.getCause());
    }

    @Test
    void errorsPropagateUnwrapped() {
        AssertionError err = new AssertionError("an error");
        AssertionError e = assertThrows(AssertionError.class, () -> Coro.run(() -> {
            pause();
            throw err;
        }));
        assertSame(err, e);
    }

    @Coroutine
    static int deepThrow(int n) {
        if (n == 0) {
            pause();
            throw new IllegalStateException("deep");
        }
        return deepThrow(n - 1) + 1;
    }

    @Test
    void exceptionFromTheBottomOfADeepResumedStackReachesTheTop() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coro.run(() -> deepThrow(500)));
        assertEquals("deep", e.getMessage());
        assertNotNull(e.getStackTrace());
        assertTrue(Arrays.stream(e.getStackTrace()).filter(s -> s.getMethodName().equals("deepThrow")).count() >= 501);
    }
}
