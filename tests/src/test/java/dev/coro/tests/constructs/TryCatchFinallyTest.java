package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.pauseThenThrow;
import static dev.coro.tests.constructs.Sus.sus;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Suspensions in try, catch and finally blocks: after a resume the exception table still covers the resumed code,
 * so exceptions reach the right handler, and every finally block runs exactly once.
 */
class TryCatchFinallyTest extends CoroTest {

    @Coroutine
    static String suspendInTry(List<String> log, int mode) {
        try {
            log.add("try");
            int v = susI(mode);
            if (v == 1) {
                throw new IllegalArgumentException("one");
            }
            if (v == 2) {
                throw new IllegalStateException("two");
            }
            log.add("tryEnd");
            return "normal";
        } catch (IllegalArgumentException e) {
            log.add("catchIAE:" + e.getMessage());
            return "iae";
        } catch (RuntimeException e) {
            log.add("catchRE:" + e.getMessage());
            return "re";
        } finally {
            log.add("finally");
        }
    }

    @Test
    void exceptionThrownAfterResumeInTryIsCaughtByTheMatchingHandler() {
        List<String> l0 = new ArrayList<>();
        List<String> l1 = new ArrayList<>();
        List<String> l2 = new ArrayList<>();
        List<Object> r = concurrently(() -> suspendInTry(l0, 0), () -> suspendInTry(l1, 1), () -> suspendInTry(l2, 2));
        assertEquals(List.of("normal", "iae", "re"), r);
        assertEquals(List.of("try", "tryEnd", "finally"), l0);
        assertEquals(List.of("try", "catchIAE:one", "finally"), l1);
        assertEquals(List.of("try", "catchRE:two", "finally"), l2);
    }

    @Coroutine
    static String nested(List<String> log, Exception toThrow) throws Exception {
        try {
            log.add("outer");
            try {
                log.add("inner");
                pauseThenThrow(toThrow); // the callee suspends, is resumed, then throws into this resumed frame
                log.add("unreachable");
            } catch (IOException e) {
                log.add("innerCatch:" + e.getMessage());
                pause(); // suspend in catch: e must survive
                log.add("innerCatchResumed");
                throw new IllegalStateException("from catch", e);
            } finally {
                log.add("innerFinally");
                pause(); // suspend in finally, with an exception in flight on some paths
                log.add("innerFinallyResumed");
            }
        } catch (IllegalStateException e) {
            log.add("outerCatch:" + e.getMessage() + (e.getCause() == null ? "" : "<-" + e.getCause().getMessage()));
            return "ise";
        } finally {
            log.add("outerFinally");
        }
        return "none";
    }

    @Test
    void nestedHandlersWithSuspensionsInTryCatchAndFinally() {
        List<String> io = new ArrayList<>();
        List<String> ise = new ArrayList<>();
        List<String> iae = new ArrayList<>();
        List<Object> r = concurrently(
                () -> nested(io, new IOException("io")),
                () -> nested(ise, new IllegalStateException("direct")),
                () -> {
                    try {
                        return nested(iae, new IllegalArgumentException("escapes"));
                    } catch (IllegalArgumentException e) {
                        return "propagated:" + e.getMessage();
                    }
                });
        assertEquals(List.of("ise", "ise", "propagated:escapes"), r);
        assertEquals(List.of("outer", "inner", "innerCatch:io", "innerCatchResumed", "innerFinally",
                "innerFinallyResumed", "outerCatch:from catch<-io", "outerFinally"), io);
        assertEquals(List.of("outer", "inner", "innerFinally", "innerFinallyResumed", "outerCatch:direct",
                "outerFinally"), ise);
        assertEquals(List.of("outer", "inner", "innerFinally", "innerFinallyResumed", "outerFinally"), iae);
    }

    @Coroutine
    static int finallyCounts(int[] finallies, List<String> log) {
        int result = 0;
        for (int i = 0; i < 6; i++) {
            try {
                int v = susI(i);
                if (v == 1) {
                    continue;
                }
                if (v == 4) {
                    break;
                }
                result += v;
            } finally {
                finallies[0]++;
                log.add("f" + i);
                pause();
            }
        }
        return result;
    }

    @Test
    void finallyRunsExactlyOnceOnContinueBreakAndNormalExit() {
        int[] fa = {0};
        int[] fb = {0};
        List<String> la = new ArrayList<>();
        List<String> lb = new ArrayList<>();
        List<Object> r = concurrently(() -> finallyCounts(fa, la), () -> finallyCounts(fb, lb));
        assertEquals(List.of(0 + 2 + 3, 0 + 2 + 3), r);
        assertEquals(5, fa[0]);
        assertEquals(5, fb[0]);
        assertEquals(List.of("f0", "f1", "f2", "f3", "f4"), la);
    }

    @Coroutine
    static int returnFromTryWithSuspendingFinally(int start, int[] box) {
        int x = start;
        try {
            x = susI(x + 1);
            return x; // the value to return is stashed in a hidden local while finally runs
        } finally {
            x = 99;
            box[0] += susI(1);
        }
    }

    @Test
    void returnValueStashedBeforeSuspendingFinallyIsReturned() {
        int[] ba = {0};
        int[] bb = {0};
        List<Object> r = concurrently(() -> returnFromTryWithSuspendingFinally(10, ba),
                () -> returnFromTryWithSuspendingFinally(-7, bb));
        assertEquals(List.of(11, -6), r);
        assertEquals(1, ba[0]);
        assertEquals(1, bb[0]);
    }

    @SuppressWarnings("finally")
    @Coroutine
    static String finallyOverridesReturn(boolean override) {
        try {
            return sus("try");
        } finally {
            if (override) {
                return sus("finally");
            }
        }
    }

    @Test
    void returnInsideSuspendingFinallyWins() {
        assertEquals(List.of("finally", "try"),
                concurrently(() -> finallyOverridesReturn(true), () -> finallyOverridesReturn(false)));
    }

    @Coroutine
    static String multiCatch(int mode) throws Exception {
        try {
            switch (mode) {
                case 0:
                    pauseThenThrow(new IOException("io"));
                    break;
                case 1:
                    susThrow(new UnsupportedOperationException("uoe"));
                    break;
                default:
                    pauseThenThrow(new InterruptedException("ie"));
            }
            return "none";
        } catch (IOException | UnsupportedOperationException e) {
            String m = e.getMessage();
            return sus("multi:") + m + ":" + e.getClass().getSimpleName();
        } catch (Exception e) {
            return "other:" + sus(e).getMessage();
        }
    }

    @Test
    void multiCatchAndCatchAllReceiveTheExceptionThrownAfterResume() {
        assertEquals(List.of("multi:io:IOException", "multi:uoe:UnsupportedOperationException", "other:ie"),
                concurrently(() -> multiCatch(0), () -> multiCatch(1), () -> multiCatch(2)));
    }

    @Coroutine
    static int pendingStackThenThrow(int base, boolean fail) {
        int total = base;
        try {
            total = total * 10 + (fail ? Sus.<Integer>susThrow(new ArithmeticException("x")) : susI(4));
        } catch (ArithmeticException e) {
            total = -total; // the pending operands were dropped by the throw; the local is intact
        }
        return total;
    }

    @Test
    void exceptionWithPendingOperandsLeavesLocalsIntact() {
        assertEquals(List.of(74, -7), concurrently(() -> pendingStackThenThrow(7, false),
                () -> pendingStackThenThrow(7, true)));
    }

    @Coroutine
    static int level(int depth, List<String> log) throws Exception {
        if (depth == 0) {
            pauseThenThrow(new IOException("bottom"));
            return 0;
        }
        try {
            return level(depth - 1, log) + 1;
        } catch (IOException e) {
            if (depth < 3) {
                log.add("rethrow@" + depth);
                pause();
                throw e;
            }
            log.add("caught@" + depth);
            return susI(100 * depth);
        } finally {
            log.add("finally@" + depth);
        }
    }

    @Test
    void exceptionAfterResumeUnwindsThroughResumedFramesToTheRightLevel() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        List<Object> r = concurrently(() -> level(5, a), () -> level(3, b));
        assertEquals(List.of(302, 300), r);
        assertEquals(List.of("rethrow@1", "finally@1", "rethrow@2", "finally@2", "caught@3", "finally@3", "finally@4",
                "finally@5"), a);
        assertEquals(List.of("rethrow@1", "finally@1", "rethrow@2", "finally@2", "caught@3", "finally@3"), b);
    }

    @Test
    void exceptionInstanceSurvivesSuspensionInCatch() {
        RuntimeException original = new RuntimeException("same");
        Object caught = Coro.run(() -> {
            try {
                susThrow(original);
                return null;
            } catch (RuntimeException e) {
                pause();
                RuntimeException again = sus(e);
                return again;
            }
        });
        assertSame(original, caught);
    }
}
