package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.susD;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susJ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every kind of local variable, and {@code this}, is saved at a suspension and restored at the resume. */
class LocalsTest extends CoroTest {

    @Coroutine
    static double longAndDouble(long l, double d) {
        long a = l * 3;
        double b = d / 3;
        long c = Long.MIN_VALUE + l;
        double e = Double.MAX_VALUE / (d == 0 ? 1 : d);
        pause();
        long f = a ^ susJ(c);
        double g = b + susD(e);
        pause();
        return (a + c + f) * 1e-9 + b + e + g;
    }

    static double longAndDoublePlain(long l, double d) {
        long a = l * 3;
        double b = d / 3;
        long c = Long.MIN_VALUE + l;
        double e = Double.MAX_VALUE / (d == 0 ? 1 : d);
        long f = a ^ c;
        double g = b + e;
        return (a + c + f) * 1e-9 + b + e + g;
    }

    @Test
    void longAndDoubleLocalsSurviveSuspension() {
        List<Object> r = concurrently(() -> longAndDouble(0x1234_5678_9abcL, 1e-300),
                () -> longAndDouble(-77, -1e150), () -> longAndDouble(Long.MAX_VALUE, 0));
        assertEquals(List.of(longAndDoublePlain(0x1234_5678_9abcL, 1e-300), longAndDoublePlain(-77, -1e150),
                longAndDoublePlain(Long.MAX_VALUE, 0)), r);
    }

    @Coroutine
    static String allKinds(int seed) {
        byte b = (byte) (seed * 37);
        short s = (short) (seed * 1234);
        char c = (char) (0xffff - seed);
        boolean z = seed % 2 == 0;
        int i = Integer.MIN_VALUE + seed;
        float f = seed / 7f;
        long l = Long.MAX_VALUE - seed;
        double d = -seed / 3.0;
        Object o = seed % 3 == 0 ? null : "obj" + seed;
        int[] arr = {seed, -seed};
        pause();
        pause();
        return b + "," + s + "," + (int) c + "," + z + "," + i + "," + f + "," + l + "," + d + "," + o + ","
                + arr[0] + arr[1];
    }

    static String allKindsPlain(int seed) {
        byte b = (byte) (seed * 37);
        short s = (short) (seed * 1234);
        char c = (char) (0xffff - seed);
        boolean z = seed % 2 == 0;
        int i = Integer.MIN_VALUE + seed;
        float f = seed / 7f;
        long l = Long.MAX_VALUE - seed;
        double d = -seed / 3.0;
        Object o = seed % 3 == 0 ? null : "obj" + seed;
        int[] arr = {seed, -seed};
        return b + "," + s + "," + (int) c + "," + z + "," + i + "," + f + "," + l + "," + d + "," + o + ","
                + arr[0] + arr[1];
    }

    @Test
    void everyPrimitiveKindReferenceNullAndArrayLocalSurvives() {
        List<Object> r = concurrently(() -> allKinds(1), () -> allKinds(2), () -> allKinds(3), () -> allKinds(100));
        assertEquals(List.of(allKindsPlain(1), allKindsPlain(2), allKindsPlain(3), allKindsPlain(100)), r);
    }

    @Coroutine
    static long parameters(byte b, short s, char c, boolean z, int i, float f, long l, double d, String str) {
        pause();
        return b + s + c + (z ? 1 : 0) + i + (long) f + l + (long) d + str.length();
    }

    @Test
    void parametersOfEveryKindSurviveSuspension() {
        List<Object> r = concurrently(
                () -> parameters((byte) -1, (short) 2, 'c', true, 5, 6.5f, 1L << 45, -8.9, "str"),
                () -> parameters((byte) 127, Short.MIN_VALUE, '\uffff', false, -5, -6.5f, -(1L << 45), 8.9, ""));
        assertEquals(List.of(-1 + 2 + 'c' + 1 + 5 + 6L + (1L << 45) - 8 + 3,
                127 + Short.MIN_VALUE + 0xffff + 0 - 5 - 6L - (1L << 45) + 8 + 0), r);
    }

    @Coroutine
    static double reusedSlots(long x) {
        double r = 0;
        {
            long a = x * 3;
            pause();
            r += a;
        }
        {
            int b = (int) x; // reuses half of a's slot pair, with a different kind
            double c = x / 2.0;
            pause();
            r += b + c;
        }
        {
            String s = "s" + x;
            float q = x;
            pause();
            r += s.length() + q;
        }
        return r;
    }

    static double reusedSlotsPlain(long x) {
        double r = 0;
        r += x * 3;
        r += (int) x + x / 2.0;
        r += ("s" + x).length() + (float) x;
        return r;
    }

    @Test
    void slotsReusedWithDifferentKindsInSiblingScopes() {
        assertEquals(List.of(reusedSlotsPlain(12345), reusedSlotsPlain(-9)),
                concurrently(() -> reusedSlots(12345), () -> reusedSlots(-9)));
    }

    @Coroutine
    static String uninitialisedAndMergedLocals(boolean flag, int n) {
        int late;
        String maybe;
        if (flag) {
            maybe = "set";
        }
        Object merged = flag ? "string" : Integer.valueOf(n); // the verifier sees Object here
        pause(); // late and (when !flag) maybe are unassigned here: nothing to save for them
        late = susI(n) * 2;
        maybe = flag ? "set again" : "unset";
        return late + " " + maybe + " " + merged;
    }

    @Test
    void unassignedLocalsAndMergedTypesAtTheSuspension() {
        assertEquals(List.of("8 set again string", "10 unset 5"),
                concurrently(() -> uninitialisedAndMergedLocals(true, 4),
                        () -> uninitialisedAndMergedLocals(false, 5)));
    }

    // ---- this and fields ----

    static final class Holder {
        private final String id;
        private int hits;

        Holder(String id) {
            this.id = id;
        }

        @Coroutine
        String thisSurvives(int k) {
            Holder self = this;
            hits++;
            pause();
            hits += susI(k);
            return (self == this) + ":" + id + ":" + hits;
        }
    }

    @Test
    void thisAndItsFieldsSurviveSuspension() {
        Holder a = new Holder("a");
        Holder b = new Holder("b");
        assertEquals(List.of("true:a:11", "true:b:21"),
                concurrently(() -> a.thisSurvives(10), () -> b.thisSurvives(20)));
    }

    @Coroutine
    static long manySuspensionsInOneFrame(long seed) {
        long a = seed;
        double b = seed / 2.0;
        int c = (int) seed;
        for (int i = 0; i < 50; i++) {
            a = a * 6364136223846793005L + susJ(1442695040888963407L);
            b = b * 0.5 + susD(i);
            c ^= susI(i) << (i % 31);
        }
        return a ^ (long) b ^ c;
    }

    static long manySuspensionsInOneFramePlain(long seed) {
        long a = seed;
        double b = seed / 2.0;
        int c = (int) seed;
        for (int i = 0; i < 50; i++) {
            a = a * 6364136223846793005L + 1442695040888963407L;
            b = b * 0.5 + i;
            c ^= i << (i % 31);
        }
        return a ^ (long) b ^ c;
    }

    @Test
    void aFrameSuspendedManyTimesKeepsExactState() {
        assertEquals(List.of(manySuspensionsInOneFramePlain(1), manySuspensionsInOneFramePlain(-99),
                        manySuspensionsInOneFramePlain(1L << 62)),
                concurrently(() -> manySuspensionsInOneFrame(1), () -> manySuspensionsInOneFrame(-99),
                        () -> manySuspensionsInOneFrame(1L << 62)));
    }
}
