package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Patch group {@code locals}: in rewritten code a {@code ThreadLocal} has a value per task, as gevent's
 * {@code patch_all} makes {@code threading.local} per greenlet and as a virtual thread has its own; on a plain
 * thread it is the thread's.
 */
class ThreadLocalPatchTest {

    @Test
    void tasksOfOneLoopEachKeepTheirOwnValueAcrossSuspensions() {
        ThreadLocal<String> user = new ThreadLocal<>();
        List<String> seen = Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String me = "user-" + i;
                tasks.add(Coro.spawn(() -> {
                    user.set(me);
                    StringBuilder r = new StringBuilder();
                    for (int round = 0; round < 3; round++) {
                        Coro.yield(); // every other task sets its own value meanwhile
                        r.append(me.equals(user.get()) ? '.' : 'x');
                    }
                    return me + " " + r;
                }));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : tasks) {
                out.add(t.join());
            }
            assertNull(user.get(), "the root task saw a child's value");
            return out;
        });
        for (int i = 0; i < 10; i++) {
            assertEquals("user-" + i + " ...", seen.get(i));
        }
    }

    @Test
    void eachTaskStartsFromTheInitialValueOfWithInitialAndOfAnOverride() {
        AtomicInteger supplied = new AtomicInteger();
        ThreadLocal<List<String>> log = ThreadLocal.withInitial(() -> {
            supplied.incrementAndGet();
            return new ArrayList<>();
        });
        AtomicInteger overridden = new AtomicInteger();
        ThreadLocal<Integer> counter = new ThreadLocal<>() {
            @Override
            protected Integer initialValue() {
                return 100 * overridden.incrementAndGet();
            }
        };
        List<String> results = Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String id = "t" + i;
                tasks.add(Coro.spawn(() -> {
                    log.get().add(id + "a");
                    Coro.yield();
                    log.get().add(id + "b");
                    counter.set(counter.get() + 1);
                    return log.get() + " " + (counter.get() % 100);
                }));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : tasks) {
                out.add(t.join());
            }
            return out;
        });
        assertEquals(List.of("[t0a, t0b] 1", "[t1a, t1b] 1", "[t2a, t2b] 1"), results);
        assertEquals(3, supplied.get(), "one initial value per task, made on first use");
        assertEquals(3, overridden.get());
    }

    @Test
    void removeGoesBackToTheInitialValueAndNullIsAValue() {
        AtomicInteger made = new AtomicInteger();
        ThreadLocal<String> local = ThreadLocal.withInitial(() -> "initial-" + made.incrementAndGet());
        String trace = Coro.run(() -> Coro.spawn(() -> {
            String first = local.get();
            local.set(null);
            String afterNull = String.valueOf(local.get());
            local.remove();
            Coro.yield();
            return first + " " + afterNull + " " + local.get();
        }).join());
        assertEquals("initial-1 null initial-2", trace);
    }

    @Test
    void theLoopThreadsOwnValueIsNeitherSeenNorChangedByTasks() {
        ThreadLocal<String> local = new ThreadLocal<>();
        local.set("the thread's"); // set on the test thread, outside any loop, before it runs one
        String inTask = Coro.run(() -> {
            String before = local.get();
            local.set("the task's");
            Coro.yield();
            return before + " / " + local.get();
        });
        assertEquals("null / the task's", inTask);
        assertEquals("the thread's", local.get());
    }

    @Test
    void aSpawnedTaskDoesNotInheritItsSpawnersValueEvenOfAnInheritableThreadLocal() {
        InheritableThreadLocal<String> inheritable = new InheritableThreadLocal<>();
        ThreadLocal<String> plain = new ThreadLocal<>();
        String child = Coro.run(() -> {
            inheritable.set("parent");
            plain.set("parent");
            return Coro.spawn(() -> inheritable.get() + " " + plain.get()).join();
        });
        assertEquals("null null", child);
    }

    @Test
    void anInitialValueThatThrowsFailsTheGetAndLeavesNoValue() {
        AtomicInteger calls = new AtomicInteger();
        ThreadLocal<String> local = ThreadLocal.withInitial(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("no value yet");
            }
            return "second";
        });
        String r = Coro.run(() -> {
            String first;
            try {
                first = "got " + local.get();
            } catch (IllegalStateException e) {
                first = e.getMessage();
            }
            return first + ", then " + local.get();
        });
        assertEquals("no value yet, then second", r);
    }

    @Test
    void aPlainHelperCalledFromATaskSeesTheTasksValue() {
        ThreadLocal<String> context = new ThreadLocal<>();
        List<String> seen = Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (String me : List.of("a", "b")) {
                tasks.add(Coro.spawn(() -> {
                    context.set(me);
                    Coro.yield();
                    return Helpers.read(context); // not a coroutine: the same value all the same
                }));
            }
            return List.of(tasks.get(0).join(), tasks.get(1).join());
        });
        assertEquals(List.of("a", "b"), seen);
    }

    static final class Helpers {
        static String read(ThreadLocal<String> local) {
            return local.get();
        }
    }

    @Test
    void theSameObjectComesBackWithinATask() {
        ThreadLocal<StringBuilder> buffer = ThreadLocal.withInitial(StringBuilder::new);
        Coro.run(() -> {
            StringBuilder b = buffer.get();
            Coro.yield();
            assertSame(b, buffer.get());
            return null;
        });
    }
}
