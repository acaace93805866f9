package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.Coroutine;

/**
 * Forced suspension points: every method gives up the thread ({@link Coro#yield()} goes to the back of the ready
 * queue, so another task runs before it comes back) and then returns its argument unchanged. One per value kind,
 * so a test can put a suspension exactly where an operand of that kind is expected.
 */
public final class Sus {
    private Sus() {
    }

    @Coroutine
    public static <T> T sus(T v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static int susI(int v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static long susJ(long v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static double susD(double v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static float susF(float v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static boolean susZ(boolean v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static byte susB(byte v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static short susS(short v) {
        Coro.yield();
        return v;
    }

    @Coroutine
    public static char susC(char v) {
        Coro.yield();
        return v;
    }

    /** Suspends, nothing else. */
    @Coroutine
    public static void pause() {
        Coro.yield();
    }

    /** Suspends through the timer heap instead of the ready queue. */
    @Coroutine
    public static int nap(int v) {
        Coro.sleep(1);
        return v;
    }

    /** Suspends, then throws {@code e} once resumed. */
    @Coroutine
    public static <T> T susThrow(RuntimeException e) {
        Coro.yield();
        throw e;
    }

    /** Suspends, then throws {@code e} (checked or not) once resumed. */
    @Coroutine
    public static void pauseThenThrow(Exception e) throws Exception {
        Coro.yield();
        throw e;
    }
}
