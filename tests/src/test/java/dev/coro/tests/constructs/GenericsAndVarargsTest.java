package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.sus;
import static dev.coro.tests.constructs.Sus.susD;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susJ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Generic methods and classes (erased types, checkcasts after the resume) and varargs coroutines. */
class GenericsAndVarargsTest extends CoroTest {

    // ---- varargs ----

    @Coroutine
    static int sum(int... xs) {
        int s = 0;
        for (int x : xs) {
            s += susI(x);
        }
        return s + xs.length * 1000;
    }

    @Coroutine
    static String joinAll(String sep, Object... parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                sb.append(sus(sep));
            }
            sb.append(parts[i]);
        }
        return sb.toString();
    }

    @Coroutine
    static String varargsCalls(int k) {
        int a = sum(); // empty array
        int b = sum(k, 2, susI(3), 4); // the varargs array is being filled when the call suspends
        int c = sum(new int[]{k, susI(k)});
        String d = joinAll("-", "a", sus("b"), 3L, susD(4.5), 'c', null);
        String e = joinAll(sus("+"));
        return a + "," + b + "," + c + "," + d + "," + e + "," + sum(sum(k), susI(1));
    }

    static String varargsCallsPlain(int k) {
        return 0 + "," + (k + 9 + 4000) + "," + (2 * k + 2000) + "," + "a-b-3-4.5-c-null" + "," + "" + ","
                + (k + 1000 + 1 + 2000);
    }

    @Test
    void varargsArraysBuiltAroundSuspensions() {
        assertEquals(List.of(varargsCallsPlain(1), varargsCallsPlain(-50)),
                concurrently(() -> varargsCalls(1), () -> varargsCalls(-50)));
    }

    // ---- generic methods ----

    @Coroutine
    static <T extends Comparable<T>> T maxOf(List<T> xs) {
        T best = null;
        for (T x : xs) {
            T y = sus(x);
            if (best == null || y.compareTo(best) > 0) {
                best = y;
            }
        }
        return best;
    }

    @Coroutine
    static <K extends Comparable<K>, V> Map<K, List<V>> groupBy(List<V> xs, Keyer<V, K> keyer) {
        Map<K, List<V>> out = new TreeMap<>();
        for (V v : xs) {
            K k = keyer.key(v);
            out.computeIfAbsent(k, unused -> new ArrayList<>()).add(sus(v));
        }
        return out;
    }

    @FunctionalInterface
    interface Keyer<V, K> {
        @Coroutine
        K key(V v);
    }

    @Test
    void genericMethodsWithBoundsAndCoroutineTypeParameters() {
        assertEquals(List.of("pear", 42L, Map.of(1, List.of("a", "b"), 2, List.of("cc")),
                        Map.of(false, List.of(1, 3), true, List.of(2, 4))),
                concurrently(() -> maxOf(List.of("apple", "pear", "fig")), () -> maxOf(List.of(3L, 42L, -7L)),
                        () -> groupBy(List.of("a", "cc", "b"), s -> susI(s.length())),
                        () -> groupBy(List.of(1, 2, 3, 4), i -> sus(i % 2 == 0))));
    }

    // ---- generic classes ----

    static class Box<T> {
        private T value;

        Box(T value) {
            this.value = value;
        }

        @Coroutine
        T get() {
            pause();
            return value;
        }

        @Coroutine
        <R> Box<R> map(Keyer<? super T, ? extends R> f) {
            R r = f.key(get());
            return new Box<>(sus(r));
        }

        @Coroutine
        void swapWith(Box<T> other) {
            T mine = get();
            T theirs = other.get();
            value = sus(theirs);
            other.value = mine;
        }
    }

    static class NumberBox<N extends Number> extends Box<N> {
        NumberBox(N n) {
            super(n);
        }

        @Override
        N get() { // overrides a generic coroutine with a narrower erasure: bridge Object get()
            N n = super.get();
            pause();
            return n;
        }

        @Coroutine
        double doubled() {
            return susD(get().doubleValue()) * 2;
        }
    }

    @Test
    void genericClassesOverridesAndBridgesAcrossSuspensions() {
        Box<String> a = new Box<>("A");
        Box<String> b = new Box<>("B");
        List<Object> r = concurrently(
                () -> {
                    a.swapWith(b);
                    return a.get() + b.get();
                },
                () -> new Box<>(21).map(i -> sus(i * 2)).get(),
                () -> new NumberBox<>(1.25).doubled(),
                () -> {
                    Box<Long> box = new NumberBox<>(1L << 35);
                    return box.get() + susJ(1);
                });
        assertEquals(List.of("BA", 42, 2.5, (1L << 35) + 1), r);
    }

    @Coroutine
    static <T> T[] fill(T[] arr, T v) {
        for (int i = 0; i < arr.length; i++) {
            arr[i] = sus(v);
        }
        return arr;
    }

    @Test
    void genericArraysKeepTheirRuntimeTypeAcrossSuspension() {
        List<Object> r = concurrently(() -> fill(new String[3], "s"), () -> fill(new Integer[2], 7));
        assertEquals("[s, s, s]", Arrays.toString((String[]) r.get(0)));
        assertEquals("[7, 7]", Arrays.toString((Integer[]) r.get(1)));
    }
}
