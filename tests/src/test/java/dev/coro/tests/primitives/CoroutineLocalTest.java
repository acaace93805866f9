package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.CoroutineLocal;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@link CoroutineLocal}: one value per task (and per plain thread), initial values, removal, inheritance. */
class CoroutineLocalTest extends PrimitiveTest {

    @Test
    void tasksOfOneLoopEachKeepTheirOwnValueAcrossSuspensions() {
        CoroutineLocal<String> user = new CoroutineLocal<>();
        List<String> seen = Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String me = "user-" + i;
                tasks.add(Coro.spawn(() -> {
                    user.set(me);
                    String r = "";
                    for (int round = 0; round < 5; round++) {
                        Coro.yield(); // every other task sets its own value meanwhile
                        r += user.get().equals(me) ? "." : "x";
                    }
                    Coro.sleep(2);
                    return me + " " + r + " " + user.get();
                }));
            }
            List<String> l = new ArrayList<>();
            for (Task<String> t : tasks) {
                l.add(t.join());
            }
            assertNull(user.get(), "the root task saw a child's value");
            return l;
        });
        for (int i = 0; i < 10; i++) {
            assertEquals("user-" + i + " ..... user-" + i, seen.get(i));
        }
    }

    @Test
    void withInitialGivesEachTaskItsOwnInitialValueLazily() {
        AtomicInteger made = new AtomicInteger();
        CoroutineLocal<List<String>> log = CoroutineLocal.withInitial(() -> {
            made.incrementAndGet();
            return new ArrayList<>();
        });
        List<List<String>> logs = Coro.run(() -> {
            assertEquals(0, made.get(), "the initial value was made before anyone asked");
            List<Task<List<String>>> tasks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int id = i;
                tasks.add(Coro.spawn(() -> {
                    log.get().add("a" + id);
                    Coro.yield();
                    log.get().add("b" + id);
                    return log.get();
                }));
            }
            List<List<String>> l = new ArrayList<>();
            for (Task<List<String>> t : tasks) {
                l.add(t.join());
            }
            return l;
        });
        assertEquals(List.of(List.of("a0", "b0"), List.of("a1", "b1"), List.of("a2", "b2")), logs);
        assertEquals(3, made.get(), "one initial value per task that asked, made once each");
    }

    @Test
    void removeBringsBackTheInitialValueAndNullIsAValue() {
        AtomicInteger made = new AtomicInteger();
        CoroutineLocal<String> local = CoroutineLocal.withInitial(() -> "initial-" + made.incrementAndGet());
        List<String> r = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            l.add(local.get());
            local.set("set");
            Coro.yield();
            l.add(local.get());
            local.remove();
            Coro.yield();
            l.add(local.get());
            local.set(null);
            Coro.yield();
            l.add(String.valueOf(local.get()));
            return l;
        });
        assertEquals(List.of("initial-1", "set", "initial-2", "null"), r);
    }

    @Test
    void aChildTaskDoesNotSeeItsParentsValue() {
        CoroutineLocal<String> plain = CoroutineLocal.withInitial(() -> "default");
        String r = Coro.run(() -> {
            plain.set("parent");
            String child = Coro.spawn(() -> {
                String first = plain.get();
                plain.set("child");
                Coro.yield();
                return first + "/" + plain.get();
            }).join();
            return child + " parent:" + plain.get();
        });
        assertEquals("default/child parent:parent", r);
    }

    @Test
    void anInheritableLocalStartsAsTheSpawnersValueAtSpawnTimeAndThenGoesItsOwnWay() {
        CoroutineLocal<String> trace = CoroutineLocal.inheritable(() -> "none");
        String r = Coro.run(() -> {
            trace.set("request-1");
            Task<String> child = Coro.spawn(() -> {
                String inherited = trace.get();
                Coro.yield();
                String grandchild = Coro.spawn(() -> trace.get()).join();
                trace.set("child's own");
                Coro.yield();
                return inherited + " " + grandchild + " " + trace.get();
            });
            trace.set("request-2"); // after the spawn: the child keeps what it got
            String c = child.join();
            return c + " | parent:" + trace.get();
        });
        assertEquals("request-1 request-1 child's own | parent:request-2", r);
    }

    @Test
    void tasksThatNeverSuspendDoNotPassValuesToTheTasksAfterThem() {
        // Tasks that finish without suspending run one after another on the same loop thread: no value set by one
        // may be seen by the next, nor by code that runs between them (a completion callback), nor by the spawner.
        CoroutineLocal<String> local = CoroutineLocal.withInitial(() -> "initial");
        CoroutineLocal<String> inherited = CoroutineLocal.inheritable(() -> "none");
        List<String> seen = new ArrayList<>();
        List<Task<String>> children = new ArrayList<>();
        String root = Coro.run(() -> {
            inherited.set("root");
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String me = "task-" + i;
                Task<String> t = Coro.spawn(() -> {
                    String before = local.get() + "/" + inherited.get();
                    local.set(me);
                    inherited.set(me);
                    // spawned by a task that has never suspended: starts with that task's inheritable value
                    children.add(Coro.spawn(() -> inherited.get() + ":" + local.get()));
                    return before;
                });
                t.onComplete(done -> seen.add(local.get() + "/" + inherited.get()));
                tasks.add(t);
            }
            StringBuilder b = new StringBuilder();
            for (Task<String> t : tasks) {
                b.append(t.join()).append(", ");
            }
            for (Task<String> c : children) {
                b.append(c.join()).append(", ");
            }
            return b + "root " + local.get() + "/" + inherited.get();
        });
        assertEquals("initial/root, initial/root, initial/root, initial/root, initial/root, "
                + "task-0:initial, task-1:initial, task-2:initial, task-3:initial, task-4:initial, "
                + "root initial/root", root);
        assertEquals(List.of("initial/none", "initial/none", "initial/none", "initial/none", "initial/none"), seen,
                "completion callbacks run outside any task");
    }

    @Test
    void plainThreadsHaveTheirOwnValues() throws Exception {
        CoroutineLocal<String> local = CoroutineLocal.withInitial(() -> "initial");
        local.set("test thread");
        CompletableFuture<String> other = plainThread("plain-other", () -> {
            String before = local.get();
            local.set("other thread");
            return before + "/" + local.get();
        });
        assertEquals("initial/other thread", get(other));
        assertEquals("test thread", local.get());
        String inLoop = Coro.run(() -> {
            String first = local.get(); // the root task is a task, not the thread
            local.set("root task");
            return first + "/" + local.get();
        });
        assertEquals("initial/root task", inLoop);
        assertEquals("test thread", local.get(), "a task's value leaked into its loop thread");
        local.remove();
        assertEquals("initial", local.get());
    }

    @Test
    void tasksOnTwoLoopsDoNotSeeEachOthersValues() throws Exception {
        CoroutineLocal<String> local = new CoroutineLocal<>();
        CompletableFuture<String> b = loopThread("loop-B", () -> {
            local.set("B");
            Coro.sleep(30);
            return local.get();
        });
        String a = Coro.run(() -> {
            local.set("A");
            Coro.sleep(30);
            return local.get();
        });
        assertEquals("A", a);
        assertEquals("B", get(b));
    }
}
