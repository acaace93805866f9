package dev.coro.tests.primitives;

import dev.coro.Coro;
import dev.coro.Pool;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import dev.coro.TaskGroup;
import dev.coro.Timeout;
import dev.coro.TimeoutExpiredException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TaskGroup}: children joined on close, first failure cancels the rest, close suspends. */
class TaskGroupTest extends PrimitiveTest {

    @Test
    void closeJoinsEveryChildAndSuspendsMeanwhile() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            int[] ticks = {0};
            Task<Void> ticker = Coro.spawn(() -> {
                for (int i = 0; i < 5; i++) {
                    Coro.sleep(10);
                    ticks[0]++;
                }
            });
            List<Task<?>> children;
            try (TaskGroup g = TaskGroup.open()) {
                g.spawn(() -> {
                    Coro.sleep(40);
                    l.add("slow child");
                });
                g.spawn("named", () -> {
                    Coro.sleep(10);
                    l.add("quick child");
                    return 1;
                });
                children = g.tasks();
                assertEquals(2, children.size());
                assertEquals("named", children.get(1).name());
            } // close: suspends until both are done; the ticker keeps ticking meanwhile
            l.add("closed");
            for (Task<?> c : children) {
                assertTrue(c.isDone());
            }
            assertTrue(ticks[0] >= 2, "close blocked the loop: the ticker ticked " + ticks[0] + " times");
            ticker.join();
            return l;
        });
        assertEquals(List.of("quick child", "slow child", "closed"), log);
    }

    @Test
    void theFirstFailureCancelsTheOtherChildrenAndIsThrownByClose() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        IllegalStateException boom = new IllegalStateException("boom");
        long start = System.nanoTime();
        Task<?>[] slow = new Task<?>[1];
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                slow[0] = g.spawn(() -> {
                    try {
                        Coro.sleep(10_000);
                        log.add("slow finished");
                    } finally {
                        log.add("slow finally");
                    }
                });
                g.spawn(() -> {
                    Coro.sleep(20);
                    throw boom;
                });
            }
            log.add("after close");
        }));
        assertSame(boom, thrown);
        assertEquals(List.of("slow finally"), log);
        assertTrue(slow[0].isCancelled());
        assertTrue(msSince(start) < 5_000, "the failure did not cancel the sleeping child");
        assertEquals(0, thrown.getSuppressed().length);
    }

    @Test
    void laterFailuresAreSuppressedUnderTheFirst() {
        IllegalStateException first = new IllegalStateException("first");
        IllegalArgumentException later = new IllegalArgumentException("later, from a finally block");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                g.spawn(() -> {
                    try {
                        Coro.sleep(10_000);
                    } finally {
                        throw later; // fails while being cancelled: a second failure
                    }
                });
                g.spawn(() -> {
                    Coro.sleep(20);
                    throw first;
                });
            }
        }));
        assertSame(first, thrown);
        assertEquals(List.of(later), List.of(thrown.getSuppressed()));
    }

    @Test
    void joiningAFailedChildInsideTheGroupThrowsItsFailureOnce() {
        // try-with-resources: the body rethrows the child's failure, then close() throws it too
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                Task<Integer> child = g.spawn(() -> {
                    Coro.yield();
                    throw boom;
                });
                return child.join();
            }
        }));
        assertSame(boom, e);
    }

    @Test
    void aCheckedFailureIsWrappedInTaskFailedException() {
        IOException io = new IOException("disk");
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> Coro.run(() -> {
            try (TaskGroup g = TaskGroup.open()) {
                g.spawn(() -> {
                    Coro.yield();
                    throw io;
                });
            }
        }));
        assertSame(io, e.getCause());
    }

    @Test
    void childrenSpawnedWhileClosingAreJoinedToo() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            TaskGroup[] group = new TaskGroup[1];
            try (TaskGroup g = TaskGroup.open()) {
                group[0] = g;
                g.spawn(() -> {
                    Coro.sleep(10);
                    group[0].spawn(() -> {
                        Coro.sleep(30);
                        l.add("grandchild");
                    });
                    l.add("child");
                });
            }
            l.add("closed");
            assertEquals(2, group[0].tasks().size());
            thrownBy(IllegalStateException.class, () -> group[0].spawn(() -> 1));
            return l;
        });
        assertEquals(List.of("child", "grandchild", "closed"), log);
    }

    @Test
    void cancellingTheTaskThatClosesTheGroupCancelsTheChildren() {
        List<String> log = Coro.run(() -> {
            List<String> l = Collections.synchronizedList(new ArrayList<>());
            Task<?>[] child = new Task<?>[1];
            Task<Void> owner = Coro.spawn(() -> {
                try (TaskGroup g = TaskGroup.open()) {
                    child[0] = g.spawn(() -> {
                        try {
                            Coro.sleep(10_000);
                        } finally {
                            l.add("child finally");
                        }
                    });
                }
            });
            Coro.sleep(20);
            owner.cancel();
            thrownBy(CancellationException.class, () -> owner.join());
            Coro.yield();
            assertTrue(child[0].isDone() && child[0].isCancelled(), "the child outlived its group: " + child[0]);
            return l;
        });
        assertEquals(List.of("child finally"), log);
    }

    /** A child that would sleep for a minute, and says whether its finally block ran. */
    static Task<Object> sleeper(TaskGroup g, List<String> log, String name) {
        return g.spawn(name, () -> {
            try {
                Coro.sleep(60_000);
            } finally {
                log.add(name + " finally");
            }
            return null;
        });
    }

    @Test
    @org.junit.jupiter.api.Timeout(20) // without the fix, close() waits out the children's minute
    void aTimeoutAroundAGroupCancelsItsChildrenWhenItExpires() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Task<Object> child = null;
            try (Timeout t = Timeout.after(Duration.ofMillis(30))) {
                try (TaskGroup g = TaskGroup.open()) {
                    child = sleeper(g, l, "child");
                    Coro.sleep(60_000);
                }
            } catch (TimeoutExpiredException e) {
                l.add("expired");
            }
            l.add("child cancelled: " + child.isCancelled());
            return l;
        });
        assertEquals(List.of("child finally", "expired", "child cancelled: true"), log);
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void withTimeoutAroundAGroupAndAPoolCancelsTheirChildrenWhenItExpires() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        String r = Coro.run(() -> {
            try {
                return Coro.withTimeout(Duration.ofMillis(30), () -> {
                    try (Pool pool = Pool.open(2); TaskGroup g = TaskGroup.open()) {
                        pool.spawn(() -> {
                            try {
                                Coro.sleep(60_000);
                            } finally {
                                log.add("pooled finally");
                            }
                            return null;
                        });
                        sleeper(g, log, "grouped");
                        Coro.sleep(60_000);
                        return "body ended";
                    }
                });
            } catch (TimeoutExpiredException e) {
                return "expired";
            }
        });
        assertEquals("expired", r);
        assertEquals(List.of("grouped finally", "pooled finally"), log.stream().sorted().toList());
    }

    @Test
    void aTimeoutInsideAGroupLeavesTheGroupsChildrenAlone() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (TaskGroup g = TaskGroup.open()) {
                g.spawn(() -> {
                    Coro.sleep(50);
                    l.add("child done");
                });
                try (Timeout t = Timeout.after(Duration.ofMillis(10))) {
                    Coro.sleep(60_000);
                } catch (TimeoutExpiredException e) {
                    l.add("inner expired");
                }
            }
            l.add("closed");
            return l;
        });
        assertEquals(List.of("inner expired", "child done", "closed"), log);
    }

    @Test
    void aGroupClosedBeforeItsTimeoutExpiresIsNotTouchedByIt() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            try (Timeout t = Timeout.after(Duration.ofMillis(50))) {
                try (TaskGroup g = TaskGroup.open()) {
                    g.spawn(() -> l.add("first group's child"));
                }
                try (TaskGroup later = TaskGroup.open()) {
                    later.spawn(() -> {
                        Coro.sleep(10);
                        l.add("second group's child");
                    });
                }
                Coro.sleep(60_000);
            } catch (TimeoutExpiredException e) {
                l.add("expired");
            }
            return l;
        });
        assertEquals(List.of("first group's child", "second group's child", "expired"), log);
    }

    @Test
    void openOutsideACoroutineIsRefused() {
        assertThrows(IllegalStateException.class, TaskGroup::open);
    }

    // ---- TaskGroup.scope: a group that sees its body's exception ----

    @Test
    void scopeReturnsTheBodysValueOnceEveryChildIsDone() throws Exception {
        List<String> log = new ArrayList<>();
        int v = Coro.run(() -> TaskGroup.scope(g -> {
            g.spawn(() -> {
                Coro.sleep(40);
                log.add("slow child done");
            });
            Task<Integer> quick = g.spawn(() -> {
                Coro.sleep(5);
                return 20;
            });
            int sum = 0;
            for (int i = 1; i <= 3; i++) { // the body suspends several times before it returns
                Coro.sleep(1);
                sum += i;
            }
            log.add("body returns");
            return sum + quick.join() + 16;
        }));
        assertEquals(42, v);
        assertEquals(List.of("body returns", "slow child done"), log);
    }

    @Test
    @org.junit.jupiter.api.Timeout(20) // a scope that did not cancel its children would wait out their minute
    void anExceptionOfTheBodyCancelsTheChildrenAtOnceAndIsThrownOnceTheyAreDone() {
        List<String> log = new ArrayList<>();
        long start = System.nanoTime();
        String r = Coro.run(() -> {
            try {
                TaskGroup.scope(g -> {
                    sleeper(g, log, "a");
                    sleeper(g, log, "b");
                    Coro.sleep(20);
                    throw new IllegalStateException("the body gave up");
                });
                return "returned";
            } catch (IllegalStateException e) {
                return e.getMessage() + ", suppressed " + e.getSuppressed().length;
            }
        });
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("the body gave up, suppressed 0", r);
        assertEquals(List.of("a finally", "b finally"), log); // done before scope threw
        assertTrue(ms < 10_000, ms + " ms");
    }

    @Test
    void aChildsFailureRethrownByTheBodyIsThrownOnceAndOthersAreAttached() {
        String r = Coro.run(() -> {
            try {
                return TaskGroup.scope(g -> {
                    Task<Object> bad = g.spawn(() -> {
                        Coro.sleep(10);
                        throw new ArithmeticException("child failed");
                    });
                    g.spawn(() -> {
                        Coro.sleep(10);
                        throw new IllegalArgumentException("another child failed");
                    });
                    return String.valueOf(bad.join()); // throws the child's failure, which the body passes on
                });
            } catch (ArithmeticException e) {
                List<String> suppressed = new ArrayList<>();
                for (Throwable x : e.getSuppressed()) {
                    suppressed.add(x.getMessage());
                }
                return e.getMessage() + " " + suppressed;
            }
        });
        // thrown once (not suppressed into itself); the other child's failure, if it came first or as well, attached
        assertTrue(r.equals("child failed []") || r.equals("child failed [another child failed]"), r);
    }

    @Test
    void aChildsFailureAfterTheBodyReturnedIsThrownByScope() {
        String r = Coro.run(() -> {
            try {
                TaskGroup.scope(g -> {
                    g.spawn(() -> {
                        Coro.sleep(20);
                        throw new IllegalStateException("late failure");
                    });
                    return "body value";
                });
                return "no failure";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        });
        assertEquals("late failure", r);
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aCancelledCallerCancelsTheScopesChildrenAndEndsOnceTheyAreDone() {
        List<String> log = new ArrayList<>();
        String r = Coro.run(() -> {
            Task<Object> caller = Coro.spawn(() -> TaskGroup.scope(g -> {
                sleeper(g, log, "child");
                Coro.sleep(60_000);
                return "body returned";
            }));
            Coro.sleep(30);
            caller.cancel();
            try {
                return String.valueOf(caller.join());
            } catch (java.util.concurrent.CancellationException e) {
                return "cancelled";
            }
        });
        assertEquals("cancelled", r);
        assertEquals(List.of("child finally"), log);
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aTimeoutAroundAScopeEndsItsBodyAndItsChildren() {
        List<String> log = new ArrayList<>();
        String r = Coro.run(() -> {
            try {
                return Coro.withTimeout(java.time.Duration.ofMillis(50), () -> TaskGroup.scope(g -> {
                    sleeper(g, log, "child");
                    Coro.sleep(60_000);
                    return "body returned";
                }));
            } catch (dev.coro.TimeoutExpiredException e) {
                return "timed out";
            }
        });
        assertEquals("timed out", r);
        assertEquals(List.of("child finally"), log);
    }
}
