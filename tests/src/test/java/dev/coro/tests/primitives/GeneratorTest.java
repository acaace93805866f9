package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Emitter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Coro#generator}: Python-style generators consumed by plain for-each, no loop needed. */
class GeneratorTest extends PrimitiveTest {

    static Iterable<Long> fibonacci() {
        return Coro.generator(out -> {
            long a = 0;
            long b = 1;
            while (true) {
                out.emit(a);
                long t = a + b;
                a = b;
                b = t;
            }
        });
    }

    @Test
    void fibonacciConsumedByForEach() {
        List<Long> first = new ArrayList<>();
        for (long f : fibonacci()) {
            if (first.size() == 15) {
                break;
            }
            first.add(f);
        }
        assertEquals(List.of(0L, 1L, 1L, 2L, 3L, 5L, 8L, 13L, 21L, 34L, 55L, 89L, 144L, 233L, 377L), first);
    }

    @Test
    void theBodyRunsLazilyOneStepPerItemAndNotPastTheBreak() {
        List<String> log = new ArrayList<>();
        Iterable<Integer> gen = Coro.generator(out -> {
            for (int i = 0; i < 10; i++) {
                log.add("emit " + i);
                out.emit(i);
                log.add("resumed after " + i);
            }
            log.add("body finished");
        });
        assertEquals(List.of(), log, "the body ran before anyone iterated");
        for (int v : gen) {
            log.add("got " + v);
            if (v == 2) {
                break;
            }
        }
        assertEquals(List.of("emit 0", "got 0", "resumed after 0", "emit 1", "got 1", "resumed after 1", "emit 2",
                "got 2"), log);
    }

    @Test
    void eachIterationStartsTheBodyAfreshAndIteratorsAreIndependent() {
        Iterable<Long> fib = fibonacci();
        Iterator<Long> a = fib.iterator();
        Iterator<Long> b = fib.iterator();
        assertEquals(0L, a.next());
        assertEquals(1L, a.next());
        assertEquals(1L, a.next());
        assertEquals(0L, b.next());
        assertEquals(2L, a.next());
        assertEquals(1L, b.next());
    }

    @Test
    void anEmptyGeneratorEndsAtOnce() {
        Iterable<String> empty = Coro.generator(out -> {
        });
        int n = 0;
        for (String s : empty) {
            n++;
        }
        assertEquals(0, n);
        Iterator<String> it = empty.iterator();
        assertFalse(it.hasNext());
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void aFiniteGeneratorEndsAfterItsLastItem() {
        Iterator<String> it = Coro.generator((Emitter<String> out) -> {
            for (String w : "the quick brown fox".split(" ")) {
                out.emit(w);
            }
        }).iterator();
        List<String> words = new ArrayList<>();
        while (it.hasNext()) {
            words.add(it.next());
        }
        assertEquals(List.of("the", "quick", "brown", "fox"), words);
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void anUncheckedExceptionInTheBodyPropagatesFromHasNextAndNext() {
        IllegalStateException boom = new IllegalStateException("boom");
        Iterable<Integer> gen = Coro.generator(out -> {
            out.emit(1);
            throw boom;
        });
        Iterator<Integer> viaHasNext = gen.iterator();
        assertEquals(1, viaHasNext.next());
        assertSame(boom, assertThrows(IllegalStateException.class, viaHasNext::hasNext));
        assertFalse(viaHasNext.hasNext(), "a failed generator goes on");

        Iterator<Integer> viaNext = gen.iterator();
        assertEquals(1, viaNext.next());
        assertSame(boom, assertThrows(IllegalStateException.class, viaNext::next));

        List<Integer> seen = new ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            for (int v : gen) {
                seen.add(v);
            }
        });
        assertSame(boom, e);
        assertEquals(List.of(1), seen);
    }

    @Test
    void aCheckedExceptionInTheBodyArrivesWrappedInCompletionException() {
        IOException io = new IOException("io");
        Iterator<Integer> it = Coro.generator((Emitter<Integer> out) -> {
            throw io;
        }).iterator();
        CompletionException e = assertThrows(CompletionException.class, it::hasNext);
        assertSame(io, e.getCause());
    }

    @Coroutine
    static void emitRange(Emitter<Integer> out, int from, int to) {
        for (int i = from; i < to; i++) {
            out.emit(i);
        }
    }

    @Test
    void theBodyMayEmitFromCoroutineHelpersAndKeepsItsLocalsAndFinallyBlocks() {
        List<String> log = new ArrayList<>();
        Iterable<Integer> gen = Coro.generator(out -> {
            int emitted = 0;
            try {
                emitRange(out, 0, 3);
                emitted += 3;
                emitRange(out, 10, 12);
                emitted += 2;
            } finally {
                log.add("finally after " + emitted);
            }
        });
        List<Integer> all = new ArrayList<>();
        for (int v : gen) {
            all.add(v);
        }
        assertEquals(List.of(0, 1, 2, 10, 11), all);
        assertEquals(List.of("finally after 5"), log);
    }

    @Test
    void twoGeneratorsInterleaveWithoutDisturbingEachOther() {
        Iterator<Long> fib = fibonacci().iterator();
        Iterator<Integer> squares = Coro.generator((Emitter<Integer> out) -> {
            for (int i = 1; ; i++) {
                out.emit(i * i);
            }
        }).iterator();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            sb.append(fib.next()).append('/').append(squares.next()).append(' ');
        }
        assertEquals("0/1 1/4 1/9 2/16 3/25 5/36 ", sb.toString());
    }

    @Test
    void aGeneratorCanBeConsumedInsideACoroutineThatSuspendsBetweenItems() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            dev.coro.Task<Void> other = Coro.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    l.add("other " + i);
                    Coro.yield();
                }
            });
            for (long f : fibonacci()) {
                if (f > 2) {
                    break;
                }
                l.add("fib " + f);
                Coro.yield();
            }
            other.join();
            return l;
        });
        assertEquals(List.of("fib 0", "other 0", "fib 1", "other 1", "fib 1", "other 2", "fib 2"), log);
    }
}
