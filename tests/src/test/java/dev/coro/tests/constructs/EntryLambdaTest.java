package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.CoroutineCallable;
import dev.coro.CoroutineRunnable;
import dev.coro.Task;
import dev.coro.internal.StackCallable;
import dev.coro.internal.StackRunnable;
import org.junit.jupiter.api.Test;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Lambdas for the entry interfaces are built against the runtime's Stack-taking sub-interfaces, so the loop
 * resumes them without a stub; every other way of calling them still works.
 */
class EntryLambdaTest {

    interface SerializableCallable<T> extends CoroutineCallable<T>, Serializable {
    }

    @Test
    void entryLambdasCallTheirTwinDirectly() {
        int base = 40;
        CoroutineCallable<Integer> c = () -> base + 2;
        CoroutineRunnable r = () -> Coro.yield();
        assertInstanceOf(StackCallable.class, c);
        assertInstanceOf(StackRunnable.class, r);
        assertEquals(42, Coro.run(() -> {
            Task<Integer> t = Coro.spawn(c);
            Coro.spawn(r).join();
            return t.join();
        }));
    }

    @Test
    void aRetargetedLambdaCalledFromPlainCodeRunsOnTheThread() throws Exception {
        List<String> log = new ArrayList<>();
        CoroutineCallable<String> c = () -> {
            Coro.sleep(1); // outside any coroutine: blocks the thread
            log.add("ran");
            return "done";
        };
        assertEquals("done", c.call());
        assertEquals(List.of("ran"), log);
    }

    @Test
    void aRetargetedLambdaCalledByInstrumentedCodeSuspendsInTheCaller() {
        CoroutineCallable<Integer> inner = () -> {
            Coro.yield();
            return 7;
        };
        List<String> order = new ArrayList<>();
        int v = Coro.run(() -> {
            Task<Void> other = Coro.spawn(() -> {
                order.add("other ran while the caller was suspended");
            });
            int got = inner.call(); // a suspension point: the caller unwinds through the lambda, not pinned
            order.add("caller resumed");
            other.join();
            return got;
        });
        assertEquals(7, v);
        assertEquals(List.of("other ran while the caller was suspended", "caller resumed"), order);
    }

    @Test
    void serializableEntryLambdasKeepTheirOwnInterfaceAndStillSuspend() {
        SerializableCallable<Integer> c = () -> {
            Coro.yield();
            return 5;
        };
        assertFalse(c instanceof StackCallable, "a serializable lambda keeps the JDK's metafactory path");
        assertEquals(5, Coro.run(() -> Coro.spawn(c).join()));
    }
}
