package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.sus;
import static dev.coro.tests.constructs.Sus.susB;
import static dev.coro.tests.constructs.Sus.susC;
import static dev.coro.tests.constructs.Sus.susD;
import static dev.coro.tests.constructs.Sus.susF;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susJ;
import static dev.coro.tests.constructs.Sus.susS;
import static dev.coro.tests.constructs.Sus.susZ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Suspensions in the middle of an expression: whatever the operand stack holds below the call (pending arguments,
 * receivers, concat operands, uninitialised objects under construction, array references and indices) is saved and
 * restored, and nothing evaluated before the call site is evaluated again.
 */
class ExpressionsTest extends CoroTest {

    /** Records an evaluation; returns its argument. */
    static <T> T tick(List<String> log, T v) {
        log.add(String.valueOf(v));
        return v;
    }

    // ---- ternaries ----

    @Coroutine
    static long ternaries(boolean f, int a, long b) {
        long r = b * 3 + (f ? susJ(b) : a); // b * 3 pending (long)
        int t = f ? a : susI(a * 2);
        double d = 0.5 + (susZ(!f) ? susD(a) : b); // 0.5 pending (double)
        return r + t + (susZ(f) ? 1 : susI(2)) + (long) (d * 10);
    }

    static long ternariesPlain(boolean f, int a, long b) {
        long r = b * 3 + (f ? b : a);
        int t = f ? a : a * 2;
        double d = 0.5 + (!f ? (double) a : b);
        return r + t + (f ? 1 : 2) + (long) (d * 10);
    }

    @Test
    void ternariesWithSuspensionInEitherBranchAndPendingOperands() {
        List<Object> r = concurrently(() -> ternaries(true, 7, 1L << 33), () -> ternaries(false, 7, 1L << 33),
                () -> ternaries(true, -2, -9), () -> ternaries(false, -2, -9));
        assertEquals(List.of(ternariesPlain(true, 7, 1L << 33), ternariesPlain(false, 7, 1L << 33),
                ternariesPlain(true, -2, -9), ternariesPlain(false, -2, -9)), r);
    }

    // ---- string concatenation (invokedynamic makeConcatWithConstants: operands pile up on the stack) ----

    @Coroutine
    static String concat(int x, long l, double y, char c, boolean z, Object o) {
        String a = "a" + x + sus("b") + y;
        String b = "<" + l + c + x + susI(x + 1) + z + o + susD(y * 2) + ">";
        String n = null;
        String c2 = n + "|" + sus(n) + "|" + susC(c) + susJ(l) + susZ(z) + susB((byte) x) + susS((short) -x)
                + susF(1.5f);
        return a + ";" + b + ";" + c2;
    }

    static String concatPlain(int x, long l, double y, char c, boolean z, Object o) {
        String a = "a" + x + "b" + y;
        String b = "<" + l + c + x + (x + 1) + z + o + (y * 2) + ">";
        String n = null;
        String c2 = n + "|" + n + "|" + c + l + z + (byte) x + (short) -x + 1.5f;
        return a + ";" + b + ";" + c2;
    }

    @Test
    void stringConcatenationWithSuspendingOperandInTheMiddle() {
        List<Object> r = concurrently(() -> concat(3, Long.MIN_VALUE, 0.25, 'q', true, List.of(1, 2)),
                () -> concat(-100, 99L, -1e300, '\u00e9', false, null));
        assertEquals(List.of(concatPlain(3, Long.MIN_VALUE, 0.25, 'q', true, List.of(1, 2)),
                concatPlain(-100, 99L, -1e300, '\u00e9', false, null)), r);
    }

    @Coroutine
    static String concatEvaluationOrder(List<String> log) {
        return tick(log, "1") + sus("2") + tick(log, "3") + susI(4) + tick(log, "5");
    }

    @Test
    void concatOperandsBeforeTheSuspensionAreEvaluatedOnce() {
        List<String> la = new ArrayList<>();
        List<String> lb = new ArrayList<>();
        assertEquals(List.of("12345", "12345"),
                concurrently(() -> concatEvaluationOrder(la), () -> concatEvaluationOrder(lb)));
        assertEquals(List.of("1", "3", "5"), la);
        assertEquals(List.of("1", "3", "5"), lb);
    }

    // ---- pending arguments of an outer call ----

    static String f(int a, long b, String c) {
        return a + "," + b + "," + c;
    }

    static String g(double d, byte b, short s, char c, boolean z, float fl, long l, Object o, int last) {
        return d + "," + b + "," + s + "," + c + "," + z + "," + fl + "," + l + "," + o + "," + last;
    }

    static String h(long a, double b, long c) {
        return a + "," + b + "," + c;
    }

    @Coroutine
    static String pendingArgs(int a, long b, double d, List<String> log) {
        return f(a, b, sus("c"))
                + "|" + g(d, (byte) a, (short) (a * 3), (char) ('A' + a), a % 2 == 0, a / 4f, b * 7,
                List.of(a), susI(a + 1))
                + "|" + h(b, susD(d), b + 1)
                + "|" + h(susJ(b), d, susJ(-b))
                + "|" + f(tick(log, a), tick(log, b), sus("x") + tick(log, "y"));
    }

    static String pendingArgsPlain(int a, long b, double d) {
        return f(a, b, "c")
                + "|" + g(d, (byte) a, (short) (a * 3), (char) ('A' + a), a % 2 == 0, a / 4f, b * 7, List.of(a), a + 1)
                + "|" + h(b, d, b + 1)
                + "|" + h(b, d, -b)
                + "|" + f(a, b, "x" + "y");
    }

    @Test
    void pendingArgumentsOfEveryKindSurviveSuspensionOfTheLastArgument() {
        List<String> la = new ArrayList<>();
        List<String> lb = new ArrayList<>();
        List<Object> r = concurrently(() -> pendingArgs(5, 1L << 50, Math.PI, la),
                () -> pendingArgs(-6, -3L, -0.0, lb));
        assertEquals(List.of(pendingArgsPlain(5, 1L << 50, Math.PI), pendingArgsPlain(-6, -3L, -0.0)), r);
        assertEquals(List.of("5", String.valueOf(1L << 50), "y"), la);
        assertEquals(List.of("-6", "-3", "y"), lb);
    }

    final StringBuilder sb = new StringBuilder();
    int counter;
    long total;
    static long staticTotal;

    String combine(int x, String y, long z) {
        return x + y + z;
    }

    @Coroutine
    String receivers(int x) {
        sb.setLength(0);
        sb.append(x).append(sus("-")).append(susJ(x * 1_000_000_000L)); // receiver of append pending
        String c = this.combine(susI(x), sus("/"), susJ(x)); // this + args pending
        counter += susI(3); // this, this.counter pending
        total -= susJ(x); // this, this.total (long) pending
        return sb + c + counter + "," + total;
    }

    @Test
    void receiversAndInstanceFieldsPendingAcrossSuspension() {
        ExpressionsTest one = new ExpressionsTest();
        ExpressionsTest two = new ExpressionsTest();
        one.counter = 10;
        two.total = 100;
        List<Object> r = concurrently(() -> one.receivers(4), () -> two.receivers(-2));
        assertEquals(List.of("4-4000000000" + "4/4" + "13,-4", "-2--2000000000" + "-2/-2" + "3,102"), r);
    }

    // ---- constructors with suspending arguments (uninitialised objects on the stack) ----

    static final class Bar {
        final int v;

        Bar(List<String> log, int v) {
            this.v = v;
            log.add("Bar(" + v + ")");
        }
    }

    static final class Foo {
        final Object a;
        final Object b;
        final long c;

        Foo(Object a, int b) {
            this(a, b, -1L);
        }

        Foo(Object a, Object b, long c) {
            this.a = a;
            this.b = b;
            this.c = c;
        }

        @Override
        public String toString() {
            return "Foo(" + (a instanceof Bar ? "Bar" + ((Bar) a).v : a) + "," + (b instanceof Bar ? "Bar"
                    + ((Bar) b).v : b) + "," + c + ")";
        }
    }

    @Coroutine
    static String constructors(int k, List<String> log) {
        Foo simple = new Foo(k, susI(k + 1));
        Foo nested = new Foo(new Bar(log, susI(1)), susI(2));
        Foo deep = new Foo(new Bar(log, susI(k)), new Foo(tick(log, "t"), new Bar(log, susI(-k)), susJ(7)),
                susJ(1L << 40));
        StringBuilder built = new StringBuilder(sus("sb")).append(k);
        return simple + " " + nested + " " + deep + " " + built + " " + new ArrayList<>(List.of(sus("list")));
    }

    @Test
    void constructorArgumentsSuspendWhileTheNewObjectIsUninitialised() {
        List<String> la = new ArrayList<>();
        List<String> lb = new ArrayList<>();
        List<Object> r = concurrently(() -> constructors(3, la), () -> constructors(8, lb));
        assertEquals(List.of(
                "Foo(3,4,-1) Foo(Bar1,2,-1) Foo(Bar3,Foo(t,Bar-3,7),1099511627776) sb3 [list]",
                "Foo(8,9,-1) Foo(Bar1,2,-1) Foo(Bar8,Foo(t,Bar-8,7),1099511627776) sb8 [list]"), r);
        // every constructor and every operand before a call site ran exactly once, in source order
        assertEquals(List.of("Bar(1)", "Bar(3)", "t", "Bar(-3)"), la);
        assertEquals(List.of("Bar(1)", "Bar(8)", "t", "Bar(-8)"), lb);
    }

    // ---- arrays ----

    @Coroutine
    static String arrays(int k) {
        int[] ia = {k, susI(k + 1), k + 2}; // array reference, index and duplicate pending
        long[] la = new long[susI(3)];
        la[susI(1)] = susJ(k * 10L); // array + index pending, then value
        la[2] += susJ(5); // array, index, old value pending
        ia[0] += susI(100);
        ia[k % 3] *= susI(2);
        double[][] grid = new double[susI(2)][susI(3)];
        grid[1][susI(2)] = susD(0.5) + k;
        String[] sa = new String[]{sus("x"), "y", sus("z")};
        Object[] oa = {sa, null, susI(k)};
        return Arrays.toString(ia) + Arrays.toString(la) + Arrays.deepToString(grid) + Arrays.toString(sa)
                + oa.length + oa[2] + susI(ia.length);
    }

    static String arraysPlain(int k) {
        int[] ia = {k, k + 1, k + 2};
        long[] la = new long[3];
        la[1] = k * 10L;
        la[2] += 5;
        ia[0] += 100;
        ia[k % 3] *= 2;
        double[][] grid = new double[2][3];
        grid[1][2] = 0.5 + k;
        String[] sa = new String[]{"x", "y", "z"};
        Object[] oa = {sa, null, k};
        return Arrays.toString(ia) + Arrays.toString(la) + Arrays.deepToString(grid) + Arrays.toString(sa)
                + oa.length + oa[2] + ia.length;
    }

    @Test
    void arrayCreationStoresAndCompoundAssignmentsAroundSuspensions() {
        assertEquals(List.of(arraysPlain(4), arraysPlain(5), arraysPlain(6)),
                concurrently(() -> arrays(4), () -> arrays(5), () -> arrays(6)));
    }

    // ---- compound assignment, increments, short-circuit, casts, boxing ----

    @Coroutine
    static String misc(int x, long y, boolean p, boolean q) {
        x += susI(2); // old x pending
        y *= susJ(3); // old y (long) pending
        x = x++ + susI(x) + ++x;
        staticTotal += susJ(1);
        boolean sc = susZ(p) && susZ(q) || !susZ(p) && q;
        int len = ((String) sus((Object) "cast")).length();
        Integer boxed = sus(5);
        int unboxed = boxed + sus(6);
        long widened = susI(x) + y;
        float fl = susF(x) / 2;
        return x + "," + y + "," + sc + "," + len + "," + unboxed + "," + widened + "," + fl;
    }

    static String miscPlain(int x, long y, boolean p, boolean q) {
        x += 2;
        y *= 3;
        x = x++ + x + ++x;
        boolean sc = p && q || !p && q;
        int len = "cast".length();
        Integer boxed = 5;
        int unboxed = boxed + 6;
        long widened = x + y;
        float fl = (float) x / 2;
        return x + "," + y + "," + sc + "," + len + "," + unboxed + "," + widened + "," + fl;
    }

    @Test
    void compoundAssignmentIncrementsShortCircuitCastsAndBoxing() {
        staticTotal = 0;
        List<Object> r = concurrently(() -> misc(1, 10, true, true), () -> misc(-5, -1, true, false),
                () -> misc(0, Long.MAX_VALUE / 4, false, true), () -> misc(9, 0, false, false));
        assertEquals(List.of(miscPlain(1, 10, true, true), miscPlain(-5, -1, true, false),
                miscPlain(0, Long.MAX_VALUE / 4, false, true), miscPlain(9, 0, false, false)), r);
        // all four tasks read staticTotal (0) before the suspension and write 0 + 1 after it: the value read
        // before the call site is the one used after the resume, not a fresh read (which would give 4)
        assertEquals(1, staticTotal);
    }

    // ---- every primitive kind pending at once ----

    static String allKinds(byte b, short s, char c, boolean z, int i, float f, long l, double d, Object o,
                           String last) {
        return b + "," + s + "," + c + "," + z + "," + i + "," + f + "," + l + "," + d + "," + o + "," + last;
    }

    @Coroutine
    static String everyKindPending(int seed) {
        return allKinds((byte) seed, (short) (seed * 300), (char) ('a' + seed), seed % 2 == 1, seed * -7,
                seed / 3f, seed * 1_000_000_007L, seed / 7.0, seed % 2 == 0 ? null : "odd", sus("last" + seed));
    }

    @Test
    void everyPrimitiveKindPendingBelowOneSuspension() {
        List<Object> r = concurrently(() -> everyKindPending(1), () -> everyKindPending(2),
                () -> everyKindPending(-128));
        assertEquals(List.of(
                allKinds((byte) 1, (short) 300, 'b', true, -7, 1 / 3f, 1_000_000_007L, 1 / 7.0, "odd", "last1"),
                allKinds((byte) 2, (short) 600, 'c', false, -14, 2 / 3f, 2_000_000_014L, 2 / 7.0, null, "last2"),
                allKinds((byte) -128, (short) -38400, (char) ('a' - 128), false, 896, -128 / 3f, -128_000_000_896L,
                        -128 / 7.0, null, "last-128")), r);
    }

    @Coroutine
    static double specialFloatingValues() {
        double nz = susD(-0.0);
        float fnz = susF(-0.0f);
        double inf = susD(Double.NEGATIVE_INFINITY);
        double nan = susD(Double.NaN);
        double tiny = susD(Double.MIN_VALUE);
        pause();
        if (Double.doubleToRawLongBits(nz) != Double.doubleToRawLongBits(-0.0)
                || Float.floatToRawIntBits(fnz) != Float.floatToRawIntBits(-0.0f)
                || inf != Double.NEGATIVE_INFINITY || !Double.isNaN(nan) || tiny != Double.MIN_VALUE) {
            return -1;
        }
        return 1 / nz; // -infinity only if the sign of zero survived
    }

    @Test
    void negativeZeroInfinityNanAndSubnormalSurviveSuspension() {
        assertEquals(List.of(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY),
                concurrently(ExpressionsTest::specialFloatingValues, ExpressionsTest::specialFloatingValues));
    }
}
