package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.coro.tests.constructs.Sus.susI;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Values already on the operand stack when a call suspends (the earlier arguments of an enclosing call) are the
 * same after the resume, whether the agent saved them or makes them again: a constant, a copy of a local, a copy
 * of a local that a later argument writes, wide values.
 */
class PendingValuesTest extends CoroTest {

    static String join(Object... parts) {
        StringBuilder b = new StringBuilder();
        for (Object p : parts) {
            b.append(p).append(';');
        }
        return b.toString();
    }

    static String three(int a, String b, int c) {
        return a + ";" + b + ";" + c;
    }

    static String wide(long l, double d, int i, long l2) {
        return l + ";" + d + ";" + i + ";" + l2;
    }

    @Coroutine
    static String constantsPending(int k) {
        return three(7, "lit", susI(k)) + "|" + three(-1, null, susI(k + 1));
    }

    @Test
    void constantsPendingAcrossASuspensionComeBack() {
        assertEquals(List.of("7;lit;1|-1;null;2", "7;lit;5|-1;null;6"),
                concurrently(() -> constantsPending(1), () -> constantsPending(5)));
    }

    @Coroutine
    static String localCopiesPending(int x, String s) {
        String r = three(x, s, susI(x * 10));
        x++;
        return r + "|" + three(x, s, susI(x * 10));
    }

    @Test
    void copiesOfLocalsPendingAcrossASuspensionComeBack() {
        assertEquals(List.of("2;a;20|3;a;30", "4;b;40|5;b;50"),
                concurrently(() -> localCopiesPending(2, "a"), () -> localCopiesPending(4, "b")));
    }

    @Coroutine
    static String localWrittenAfterItsCopyIsPending(int x) {
        // the first argument is x's old value; the second writes x before the call that suspends
        String r = three(x, "s", (x = 9) + susI(x));
        return r + "|" + x;
    }

    @Test
    void aPendingCopyKeepsTheOldValueWhenALaterArgumentWritesTheLocal() {
        assertEquals(List.of("1;s;18|9", "3;s;18|9"),
                concurrently(() -> localWrittenAfterItsCopyIsPending(1), () -> localWrittenAfterItsCopyIsPending(3)));
    }

    @Coroutine
    static String widePending(long l, double d) {
        long l2 = l * 3;
        return wide(l, d, susI((int) l), l2) + "|" + join(l, d, 2.5, 10L, susI(4), l2);
    }

    @Test
    void wideValuesPendingAcrossASuspensionComeBack() {
        assertEquals(List.of("5;0.5;5;15|5;0.5;2.5;10;4;15;", "-6;1.0E300;-6;-18|-6;1.0E300;2.5;10;4;-18;"),
                concurrently(() -> widePending(5, 0.5), () -> widePending(-6, 1e300)));
    }
}
