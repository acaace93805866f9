package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susJ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Deep coroutine stacks: every one of a thousand frames is saved on the way out and restored on the way back. */
class RecursionTest extends CoroTest {

    @Coroutine
    static long depth(int n, double weight) {
        if (n == 0) {
            Coro.yield(); // the only suspension: all frames above unwind and rewind once
            return 0;
        }
        long below = depth(n - 1, weight * 1.0001);
        return below + n + (long) weight; // n and weight are locals of each frame
    }

    static long depthPlain(int n, double weight) {
        if (n == 0) {
            return 0;
        }
        return depthPlain(n - 1, weight * 1.0001) + n + (long) weight;
    }

    @Test
    void recursionThousandFramesDeepSuspendsAtTheBottom() {
        List<Object> r = concurrently(() -> depth(1000, 1.0), () -> depth(999, 50.0));
        assertEquals(List.of(depthPlain(1000, 1.0), depthPlain(999, 50.0)), r);
        assertEquals(List.of(500500L), concurrently(() -> depth(1000, 0.0))); // 1 + 2 + ... + 1000
    }

    @Coroutine
    static long suspendAtEveryLevel(int n, List<String> log) {
        if (n == 0) {
            return susJ(0);
        }
        long before = susJ(n);
        log.add("down" + n);
        long rest = suspendAtEveryLevel(n - 1, log);
        log.add("up" + n);
        return before + rest * 3 % 1_000_003 + susI(n % 7);
    }

    static long suspendAtEveryLevelPlain(int n) {
        if (n == 0) {
            return 0;
        }
        long rest = suspendAtEveryLevelPlain(n - 1);
        return n + rest * 3 % 1_000_003 + n % 7;
    }

    @Test
    void suspensionsAtEveryLevelOfADeepRecursion() {
        List<String> la = new java.util.ArrayList<>();
        List<String> lb = new java.util.ArrayList<>();
        List<Object> r = concurrently(() -> suspendAtEveryLevel(300, la), () -> suspendAtEveryLevel(250, lb));
        assertEquals(List.of(suspendAtEveryLevelPlain(300), suspendAtEveryLevelPlain(250)), r);
        assertEquals(600, la.size()); // each level logged once on the way down and once on the way up
        assertEquals("down300", la.get(0));
        assertEquals("down1", la.get(299));
        assertEquals("up1", la.get(300));
        assertEquals("up300", la.get(599));
        assertEquals(500, lb.size());
    }

    @Coroutine
    static boolean isEven(int n) {
        if (n == 0) {
            pause();
            return true;
        }
        return isOdd(susI(n - 1));
    }

    @Coroutine
    static boolean isOdd(int n) {
        if (n == 0) {
            return false;
        }
        return isEven(n - 1);
    }

    @Test
    void mutualRecursionWithSuspensions() {
        assertEquals(List.of(true, false, false, true),
                concurrently(() -> isEven(1000), () -> isEven(999), () -> isOdd(1000), () -> isOdd(999)));
    }

    @Coroutine
    static int fib(int n) {
        if (n < 2) {
            return susI(n);
        }
        return fib(n - 1) + fib(n - 2); // the first result is pending while the second call suspends
    }

    @Test
    void treeRecursionWithPendingResultOfTheFirstCall() {
        assertEquals(List.of(610, 377), concurrently(() -> fib(15), () -> fib(14)));
    }
}
