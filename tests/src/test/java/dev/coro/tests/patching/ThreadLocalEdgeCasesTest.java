package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Task;
import dev.coro.TaskGroup;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Patch group {@code locals} where it meets generators, subclasses, method references, class loaders, memory. */
class ThreadLocalEdgeCasesTest {

    // ---- generators: the body runs on its consumer's behalf, as it does for coroutine-locals ----

    @Test
    void aGeneratorBodyConsumedByATaskSeesAndSetsTheTasksValue() {
        ThreadLocal<String> local = new ThreadLocal<>();
        String r = Coro.run(() -> {
            local.set("task");
            StringBuilder seen = new StringBuilder();
            for (String s : Coro.<String>generator(out -> {
                out.emit(String.valueOf(local.get()));
                local.set("body");
                out.emit("next");
            })) {
                seen.append(s).append(',');
            }
            return seen + String.valueOf(local.get());
        });
        assertEquals("task,next,body", r);
        assertNull(local.get(), "the generator body changed the loop thread's own value");
    }

    @Test
    void aGeneratorBodyConsumedByPlainCodeUsesTheThreadsValue() {
        ThreadLocal<String> local = new ThreadLocal<>();
        local.set("thread");
        List<String> seen = new ArrayList<>();
        for (String s : Coro.<String>generator(out -> {
            out.emit(local.get());
            local.set("body");
            out.emit(local.get());
        })) {
            seen.add(s);
        }
        assertEquals(List.of("thread", "body"), seen);
        assertEquals("body", local.get());
        local.remove();
    }

    // ---- subclasses that override get/set keep their code ----

    static final class Counting extends ThreadLocal<String> {
        final AtomicInteger gets = new AtomicInteger();
        final AtomicInteger sets = new AtomicInteger();

        @Override
        public String get() {
            gets.incrementAndGet();
            return super.get();
        }

        @Override
        public void set(String value) {
            sets.incrementAndGet();
            super.set(value);
        }
    }

    @Test
    void aSubclassOverridingGetAndSetHasItsOverridesCalledThroughAThreadLocalReference() {
        Counting counting = new Counting();
        ThreadLocal<String> local = counting; // the static type a library's field usually has
        String r = Coro.run(() -> {
            local.set("v");
            Coro.yield();
            return local.get();
        });
        assertEquals("v", r);
        assertEquals(1, counting.sets.get(), "the overriding set() was skipped");
        assertEquals(1, counting.gets.get(), "the overriding get() was skipped");
    }

    static final class Upper extends ThreadLocal<String> {
        @Override
        public String get() {
            String v = super.get();
            return v == null ? null : v.toUpperCase();
        }
    }

    @Test
    void aSubclassOverridingOnlyGetReadsWhatItsInheritedSetStoredInATask() {
        String r = Coro.run(() -> {
            Upper upper = new Upper();
            upper.set("abc"); // inherited set(): redirected; overriding get(): not
            Coro.yield();
            return upper.get();
        });
        assertEquals("ABC", r);
    }

    // ---- method references ----

    @Test
    void methodReferencesToGetAndSetUseTheTasksValueAsDirectCallsDo() {
        ThreadLocal<String> local = new ThreadLocal<>();
        String r = Coro.run(() -> {
            local.set("task");
            Supplier<String> getter = local::get;
            String viaRef = getter.get();
            Consumer<String> setter = local::set;
            setter.accept("ref");
            return viaRef + " " + local.get();
        });
        assertEquals("task ref", r);
        assertNull(local.get(), "a task's set through a method reference changed the loop thread's value");
    }

    // ---- class loaders that cannot see coro ----

    /** A plain class, no coroutine, nothing of coro: only a ThreadLocal. Loaded below by an isolated loader. */
    public static final class IsolatedLocalUser {
        public static String run() {
            ThreadLocal<String> local = ThreadLocal.withInitial(() -> "initial");
            String first = local.get();
            local.set("set");
            return first + " " + local.get();
        }
    }

    @Test
    void aPlainClassUsingAThreadLocalStillRunsInALoaderThatCannotSeeCoro() throws Exception {
        URL classes = IsolatedLocalUser.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader isolated = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> c = Class.forName(IsolatedLocalUser.class.getName(), true, isolated);
            assertEquals(isolated, c.getClassLoader());
            Object r;
            try {
                r = c.getMethod("run").invoke(null);
            } catch (InvocationTargetException e) {
                throw new AssertionError("a class that never touches coro failed in its own loader: " + e.getCause(),
                        e.getCause());
            }
            assertEquals("initial set", r);
        }
    }

    // ---- memory ----

    @Test
    void aFinishedTaskKeptByItsGroupNoLongerHoldsItsThreadLocalValue() {
        ThreadLocal<Object> local = new ThreadLocal<>();
        boolean released = Coro.run(() -> {
            List<WeakReference<Object>> refs = new ArrayList<>();
            try (TaskGroup g = TaskGroup.open()) {
                for (int i = 0; i < 10; i++) {
                    Task<Void> child = g.spawn(() -> {
                        Object big = new byte[1 << 20];
                        refs.add(new WeakReference<>(big));
                        local.set(big);
                        Coro.yield();
                    });
                    child.join();
                }
                // the children have ended, as a thread that has ended; the group (a server's, say) lives on
                return collected(refs);
            }
        });
        assertTrue(released, "an ended task's ThreadLocal values stay reachable as long as its Task is");
    }

    @Test
    void valuesOf100000EndedTasksAreCollectable() {
        ThreadLocal<Object> local = new ThreadLocal<>();
        List<WeakReference<Object>> refs = new ArrayList<>();
        Coro.run(() -> {
            for (int round = 0; round < 10; round++) {
                List<Task<Void>> batch = new ArrayList<>();
                for (int i = 0; i < 10_000; i++) {
                    batch.add(Coro.spawn(() -> {
                        Object v = new Object();
                        if (refs.size() % 100 == 0) {
                            refs.add(new WeakReference<>(v));
                        } else {
                            refs.add(null);
                        }
                        local.set(v);
                        Coro.yield();
                    }));
                }
                for (Task<Void> t : batch) {
                    t.join();
                }
            }
            return null;
        });
        refs.removeIf(r -> r == null);
        assertEquals(1000, refs.size());
        assertTrue(collected(refs), "values of ended, dropped tasks stayed reachable");
    }

    @Test
    void aLongLivedTaskDoesNotKeepTheValuesOfLocalsItDropped() {
        boolean released = Coro.run(() -> {
            List<WeakReference<Object>> refs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                ThreadLocal<Object> shortLived = new ThreadLocal<>();
                Object v = new byte[1024];
                refs.add(new WeakReference<>(v));
                shortLived.set(v);
            }
            Coro.yield();
            ThreadLocal<Object> probe = new ThreadLocal<>();
            for (int i = 0; i < 20 && !refs.stream().allMatch(r -> r.get() == null); i++) {
                System.gc();
                probe.set(i); // stale entries go on the next use, as in a thread's own map
            }
            return refs.stream().allMatch(r -> r.get() == null);
        });
        assertTrue(released);
    }

    @Test
    void aNullThreadLocalThrowsNullPointerExceptionInATaskAsOnAThread() {
        ThreadLocal<String> none = null;
        String r = Coro.run(() -> {
            StringBuilder out = new StringBuilder();
            try {
                none.set("x");
                out.append("set passed");
            } catch (NullPointerException expected) {
                out.append("set NPE");
            }
            try {
                String v = none.get();
                out.append(" get passed: ").append(v);
            } catch (NullPointerException expected) {
                out.append(" get NPE");
            }
            return out.toString();
        });
        assertEquals("set NPE get NPE", r);
    }

    /** True once every referent is collected; asks for a collection a few times (no timing assertion). */
    static boolean collected(List<WeakReference<Object>> refs) {
        for (int i = 0; i < 20; i++) {
            if (refs.stream().allMatch(r -> r.get() == null)) {
                return true;
            }
            System.gc();
            Thread.onSpinWait();
        }
        return refs.stream().allMatch(r -> r.get() == null);
    }

    // ---- tasks of every kind have their own value ----

    @Test
    void groupPoolAndDelayedChildrenEachStartEmptyAndKeepTheirOwnValue() {
        ThreadLocal<String> local = new ThreadLocal<>();
        List<String> r = Coro.run(() -> {
            local.set("root");
            List<Task<String>> tasks = new ArrayList<>();
            try (TaskGroup g = TaskGroup.open()) {
                tasks.add(g.spawn(() -> {
                    String before = String.valueOf(local.get());
                    local.set("group");
                    Coro.yield();
                    return before + ">" + local.get();
                }));
                tasks.add(Coro.spawnLater(Duration.ofMillis(1), () -> {
                    String before = String.valueOf(local.get());
                    local.set("later");
                    Coro.yield();
                    return before + ">" + local.get();
                }));
                try (dev.coro.Pool p = dev.coro.Pool.open(2)) {
                    tasks.add(p.spawn(() -> {
                        String before = String.valueOf(local.get());
                        local.set("pool");
                        Coro.yield();
                        return before + ">" + local.get();
                    }));
                }
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : tasks) {
                out.add(t.join());
            }
            out.add(local.get());
            return out;
        });
        assertEquals(List.of("null>group", "null>later", "null>pool", "root"), r);
    }

    @Test
    void tasksOnTwoLoopsInTwoThreadsSharingOneThreadLocalKeepTheirOwn() throws Exception {
        ThreadLocal<String> local = new ThreadLocal<>();
        List<String> results = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (String loop : List.of("A", "B")) {
            threads.add(new Thread(() -> results.add(Coro.run(() -> {
                List<Task<String>> ts = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    String me = loop + i;
                    ts.add(Coro.spawn(() -> {
                        local.set(me);
                        for (int k = 0; k < 20; k++) {
                            Coro.yield();
                            if (!me.equals(local.get())) {
                                return me + " saw " + local.get();
                            }
                        }
                        return "ok";
                    }));
                }
                StringBuilder sb = new StringBuilder(loop);
                for (Task<String> t : ts) {
                    String v = t.join();
                    if (!v.equals("ok")) {
                        sb.append(' ').append(v);
                    }
                }
                return sb.toString();
            }))));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(60_000);
        }
        results.sort(null);
        assertEquals(List.of("A", "B"), results);
    }

    @Test
    void removeInAFinallyAfterACancelLeavesOtherTasksAndTheThreadAlone() {
        ThreadLocal<String> local = ThreadLocal.withInitial(() -> "initial");
        local.set("thread");
        String r = Coro.run(() -> {
            List<String> log = new ArrayList<>();
            Task<Void> victim = Coro.spawn(() -> {
                local.set("victim");
                try {
                    Coro.sleep(60_000);
                } finally {
                    log.add("finally saw " + local.get());
                    local.remove();
                    log.add("after remove " + local.get());
                }
            });
            Task<String> other = Coro.spawn(() -> {
                local.set("other");
                Coro.sleep(20);
                return local.get();
            });
            Coro.yield();
            victim.cancel();
            try {
                victim.join();
                log.add("not cancelled");
            } catch (CancellationException expected) {
                log.add("cancelled");
            }
            log.add(other.join());
            return String.join(", ", log);
        });
        assertEquals("finally saw victim, after remove initial, cancelled, other", r);
        assertEquals("thread", local.get());
        local.remove();
    }

    @Test
    void aValueSetToNullInATaskIsNullNotTheInitialValue() {
        ThreadLocal<String> local = ThreadLocal.withInitial(() -> "initial");
        String r = Coro.run(() -> {
            local.set(null);
            Coro.yield();
            return String.valueOf(local.get());
        });
        assertEquals("null", r);
    }

    @Test
    void aWithInitialSupplierReadingAnotherThreadLocalReadsTheTasksValueOfIt() {
        ThreadLocal<String> user = new ThreadLocal<>();
        ThreadLocal<String> greeting = ThreadLocal.withInitial(() -> "hello " + user.get());
        List<String> r = Coro.run(() -> {
            List<Task<String>> ts = new ArrayList<>();
            for (String u : List.of("ann", "bob")) {
                ts.add(Coro.spawn(() -> {
                    user.set(u);
                    Coro.yield();
                    return greeting.get();
                }));
            }
            return List.of(ts.get(0).join(), ts.get(1).join());
        });
        assertEquals(List.of("hello ann", "hello bob"), r);
    }

    @Test
    void codeInsideSynchronizedInATaskUsesTheTasksValue() {
        ThreadLocal<String> local = new ThreadLocal<>();
        Object lock = new Object();
        List<String> r = Coro.run(() -> {
            List<Task<String>> ts = new ArrayList<>();
            for (String me : List.of("a", "b")) {
                ts.add(Coro.spawn(() -> {
                    local.set(me);
                    Coro.yield();
                    synchronized (lock) {
                        return local.get();
                    }
                }));
            }
            return List.of(ts.get(0).join(), ts.get(1).join());
        });
        assertEquals(List.of("a", "b"), r);
    }
}
