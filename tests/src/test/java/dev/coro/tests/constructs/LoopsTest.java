package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static dev.coro.tests.constructs.Sus.susC;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susJ;
import static dev.coro.tests.constructs.Sus.susZ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Suspensions inside every loop shape: the loop state (index, accumulator, iterator) survives each one. */
class LoopsTest extends CoroTest {

    // ---- for ----

    @Coroutine
    static long forLoop(int n, long seed, List<String> log) {
        long acc = seed;
        for (int i = 0; i < n; i++) {
            log.add("i" + i); // a side effect before the call site: must happen once per iteration
            acc = acc * 31 + susI(i) * (i + 1); // acc * 31 is pending on the operand stack
        }
        return acc;
    }

    static long forLoopPlain(int n, long seed, List<String> log) {
        long acc = seed;
        for (int i = 0; i < n; i++) {
            log.add("i" + i);
            acc = acc * 31 + i * (i + 1);
        }
        return acc;
    }

    @Test
    void forLoopIndexAndAccumulatorSurviveSuspension() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        List<Object> r = concurrently(() -> forLoop(20, 7, a), () -> forLoop(13, -3, b));
        List<String> ea = new ArrayList<>();
        List<String> eb = new ArrayList<>();
        assertEquals(List.of(forLoopPlain(20, 7, ea), forLoopPlain(13, -3, eb)), r);
        assertEquals(ea, a);
        assertEquals(eb, b);
    }

    @Coroutine
    static int forLoopSuspendingInConditionAndUpdate(int n) {
        int sum = 0;
        for (int i = susI(0); i < susI(n); i = susI(i + 2)) {
            sum += i;
        }
        return sum;
    }

    @Test
    void forLoopWithSuspensionsInInitConditionAndUpdate() {
        List<Object> r = concurrently(() -> forLoopSuspendingInConditionAndUpdate(11),
                () -> forLoopSuspendingInConditionAndUpdate(20));
        assertEquals(List.of(0 + 2 + 4 + 6 + 8 + 10, 90), r);
    }

    // ---- while ----

    @Coroutine
    static int collatzSteps(int start) {
        int n = start;
        int steps = 0;
        while (susI(n) != 1) {
            n = (n % 2 == 0) ? n / 2 : 3 * n + 1;
            steps++;
        }
        return steps;
    }

    static int collatzStepsPlain(int start) {
        int n = start;
        int steps = 0;
        while (n != 1) {
            n = (n % 2 == 0) ? n / 2 : 3 * n + 1;
            steps++;
        }
        return steps;
    }

    @Test
    void whileLoopWithSuspendingCondition() {
        List<Object> r = concurrently(() -> collatzSteps(27), () -> collatzSteps(97));
        assertEquals(List.of(collatzStepsPlain(27), collatzStepsPlain(97)), r);
        assertEquals(111, r.get(0));
    }

    // ---- do/while ----

    @Coroutine
    static String doWhile(int n, int shift) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        do {
            sb.append(susC((char) ('a' + (i + shift) % 26)));
            i++;
        } while (susI(i) < n);
        return sb.toString();
    }

    @Test
    void doWhileLoopRunsBodyThenSuspendingCondition() {
        List<Object> r = concurrently(() -> doWhile(30, 0), () -> doWhile(5, 3), () -> doWhile(0, 7));
        assertEquals(List.of("abcdefghijklmnopqrstuvwxyzabcd", "defgh", "h"), r);
    }

    // ---- nested, labeled break/continue ----

    @Coroutine
    static List<String> nestedLabeled(int n, int m) {
        List<String> out = new ArrayList<>();
        outer:
        for (int i = 0; i < n; i++) {
            int j = 0;
            while (true) {
                int v = susI(i * m + j);
                if (v % 7 == 3) {
                    out.add("skip" + i);
                    continue outer;
                }
                if (v > 40) {
                    out.add("stop" + v);
                    break outer;
                }
                if (j >= m) {
                    break;
                }
                out.add(i + ":" + j);
                j++;
                if (susZ(j % 3 == 0)) {
                    continue;
                }
                out.add("~" + v);
            }
            out.add("end" + i);
        }
        out.add("done");
        return out;
    }

    static List<String> nestedLabeledPlain(int n, int m) {
        List<String> out = new ArrayList<>();
        outer:
        for (int i = 0; i < n; i++) {
            int j = 0;
            while (true) {
                int v = i * m + j;
                if (v % 7 == 3) {
                    out.add("skip" + i);
                    continue outer;
                }
                if (v > 40) {
                    out.add("stop" + v);
                    break outer;
                }
                if (j >= m) {
                    break;
                }
                out.add(i + ":" + j);
                j++;
                if (j % 3 == 0) {
                    continue;
                }
                out.add("~" + v);
            }
            out.add("end" + i);
        }
        out.add("done");
        return out;
    }

    @Test
    void nestedLoopsWithLabeledBreakAndContinueAcrossSuspensions() {
        List<Object> r = concurrently(() -> nestedLabeled(10, 5), () -> nestedLabeled(4, 2), () -> nestedLabeled(9, 9));
        assertEquals(List.of(nestedLabeledPlain(10, 5), nestedLabeledPlain(4, 2), nestedLabeledPlain(9, 9)), r);
        // the shapes really exercise every exit
        List<String> first = nestedLabeledPlain(10, 5);
        assertEquals(true, first.stream().anyMatch(s -> s.startsWith("skip")));
        assertEquals(true, first.stream().anyMatch(s -> s.startsWith("stop")));
        assertEquals(true, first.stream().anyMatch(s -> s.startsWith("end")));
    }

    // ---- enhanced for ----

    @Coroutine
    static long sumArrayAndIterable(long[] arr, List<Integer> list) {
        long total = 0;
        for (long x : arr) { // hidden locals: array copy, length, index
            total += susJ(x);
        }
        for (int x : list) { // hidden local: the iterator
            total = total * 3 + susI(x);
        }
        return total;
    }

    static long sumArrayAndIterablePlain(long[] arr, List<Integer> list) {
        long total = 0;
        for (long x : arr) {
            total += x;
        }
        for (int x : list) {
            total = total * 3 + x;
        }
        return total;
    }

    @Test
    void enhancedForOverArrayAndIterableKeepsHiddenIteratorState() {
        long[] arr1 = {1L << 40, -5, 7, Long.MAX_VALUE / 3};
        long[] arr2 = {3, 1, 4, 1, 5, 9, 2, 6};
        List<Integer> l1 = Arrays.asList(9, 8, 7, 6, 5);
        List<Integer> l2 = Arrays.asList(1, 2);
        List<Object> r = concurrently(() -> sumArrayAndIterable(arr1, l1), () -> sumArrayAndIterable(arr2, l2));
        assertEquals(List.of(sumArrayAndIterablePlain(arr1, l1), sumArrayAndIterablePlain(arr2, l2)), r);
    }

    @Coroutine
    static int explicitIterator(Iterator<String> it) {
        int n = 0;
        while (it.hasNext()) {
            String s = it.next();
            n += susI(s.length()) * ++n;
        }
        return n;
    }

    @Test
    void explicitIteratorAndPreIncrementAroundSuspension() {
        List<String> words = List.of("a", "bb", "ccc", "dddd");
        List<Object> r = concurrently(() -> explicitIterator(words.iterator()),
                () -> explicitIterator(List.of("xyz").iterator()));
        int n = 0;
        for (String s : words) {
            n += s.length() * ++n;
        }
        assertEquals(List.of(n, 3), r);
    }

    @Coroutine
    static int manyIterations(int n) {
        int x = 0;
        for (int i = 0; i < n; i++) {
            x ^= susI(i * 2654435761L > 0 ? i : -i) + i;
        }
        return x;
    }

    @Test
    void thousandsOfSuspensionsInOneLoop() {
        List<Object> r = concurrently(() -> manyIterations(3000), () -> manyIterations(2999));
        int a = 0;
        for (int i = 0; i < 3000; i++) {
            a ^= (i * 2654435761L > 0 ? i : -i) + i;
        }
        int b = 0;
        for (int i = 0; i < 2999; i++) {
            b ^= (i * 2654435761L > 0 ? i : -i) + i;
        }
        assertEquals(List.of(a, b), r);
    }
}
