package dev.coro.tests.loop;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.DeadlockException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Coro.dump() lists every live task with its state, what it waits on, and the frames it is suspended in. */
class DumpTest {
    private static final String ME = DumpTest.class.getName();

    /** The line of the caller's next line: where its suspending call is. */
    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber() + 1;
    }

    private static volatile int outerLine;
    private static volatile int middleLine;
    private static volatile int innerLine;

    @Coroutine
    static int waitForIt(Channel<Integer> ch) {
        return ch.receive();
    }

    /** Keeps locals of every kind live across its call, so its saved frame holds ints, floats, longs and doubles. */
    @Coroutine
    static double outer(Channel<Integer> ch, int i, long j) {
        float f = i / 2f;
        double d = j * 1.5;
        boolean b = i > 0;
        outerLine = nextLine();
        int got = middle(ch, i + 1);
        return got + i + j + f + d + (b ? 1 : 0);
    }

    @Coroutine
    static int middle(Channel<Integer> ch, int x) {
        char c = 'c';
        short sh = 7;
        middleLine = nextLine();
        int got = ch.receive();
        return got + x + c + sh;
    }

    @Coroutine
    static int viaTimeout(Channel<Integer> ch) throws Exception {
        int before = 3;
        outerLine = nextLine();
        return before + Coro.withTimeout(Duration.ofSeconds(30), () -> inner(ch, 4L));
    }

    @Coroutine
    static int inner(Channel<Integer> ch, long l) {
        innerLine = nextLine();
        return (int) (ch.receive() + l);
    }

    /** The dump's lines for {@code task}: its own line and the frames below it. */
    static List<String> section(String dump, String task) {
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String l : dump.split("\n")) {
            if (l.startsWith("  " + task + ": ")) {
                in = true;
            } else if (in && !l.startsWith("      at ")) {
                break;
            }
            if (in) {
                lines.add(l.trim());
            }
        }
        return lines;
    }

    @Test
    void dumpNamesEachTaskAndItsWait() {
        String dump = Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            Coro.spawn("receiver", () -> waitForIt(ch));
            Coro.spawn("sleeper", () -> Coro.sleep(10_000));
            Coro.sleep(10);
            String d = Coro.dump();
            ch.send(1);
            return d;
        });
        assertTrue(dump.contains("receiver: suspended on receive on an empty channel"), dump);
        assertTrue(dump.contains("sleeper: suspended on sleep"), dump);
        assertTrue(dump.contains("main: running"), dump);
        assertTrue(dump.startsWith("loop on thread "), dump);
    }

    @Test
    void aSuspendedTaskIsShownWithItsFramesInnermostFirstWithTheirLines() {
        String dump = Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            var t = Coro.spawn("deep", () -> outer(ch, 4, 10L));
            Coro.sleep(10);
            String d = Coro.dump();
            ch.send(1);
            t.join();
            return d;
        });
        List<String> deep = section(dump, "deep");
        assertEquals("deep: suspended on receive on an empty channel", deep.get(0), dump);
        assertEquals("at dev.coro.Channel.receive", deep.get(1), dump);
        assertEquals("at " + ME + ".middle(DumpTest.java:" + middleLine + ")", deep.get(2), dump);
        assertEquals("at " + ME + ".outer(DumpTest.java:" + outerLine + ")", deep.get(3), dump);
        assertTrue(deep.get(4).startsWith("at " + ME + ".lambda$"), dump); // the task's body
        assertEquals(5, deep.size(), dump);
    }

    @Test
    void framesBelowAHandWrittenFrameOfTheRuntimeAreShownToo() {
        String dump = Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            var t = Coro.spawn("timed", () -> viaTimeout(ch));
            Coro.sleep(10);
            String d = Coro.dump();
            ch.send(1);
            assertEquals(8, t.join());
            return d;
        });
        List<String> timed = section(dump, "timed");
        assertEquals("at dev.coro.Channel.receive", timed.get(1), dump);
        assertEquals("at " + ME + ".inner(DumpTest.java:" + innerLine + ")", timed.get(2), dump);
        assertTrue(timed.get(3).startsWith("at " + ME + ".lambda$viaTimeout$"), dump);
        assertEquals("at " + ME + ".viaTimeout(DumpTest.java:" + outerLine + ")", timed.get(4), dump);
    }

    @Test
    void aTaskThatYieldedIsShownWhereItWillResume() {
        String dump = Coro.run(() -> {
            var t = Coro.spawn("yielder", () -> {
                for (int i = 0; i < 3; i++) {
                    Coro.yield();
                }
            });
            Coro.yield(); // the yielder runs to its first yield, and is ready again behind this task
            String d = Coro.dump();
            t.join();
            return d;
        });
        List<String> y = section(dump, "yielder");
        assertEquals("yielder: ready", y.get(0), dump);
        assertEquals("at dev.coro.Coro.yield", y.get(1), dump);
        assertTrue(y.get(2).startsWith("at " + ME + ".lambda$"), dump);
    }

    /** Every live task of every loop: here a task waiting on a loop of another thread, and one not started yet. */
    @Test
    void theDumpCoversEveryLoopAndTasksNotStartedYet() throws Exception {
        Channel<Integer> ch = Channel.unbounded();
        CompletableFuture<Integer> end = new CompletableFuture<>();
        Thread b = new Thread(() -> Coro.run(() -> {
            Coro.spawn("b-waiter", () -> waitForIt(ch));
            Coro.spawn("b-sleeper", () -> Coro.sleep(100_000)); // cancelled when the body returns
            return Coro.await(end);
        }), "loop-b");
        b.setDaemon(true);
        b.start();
        String dump = Coro.run(() -> {
            while (!Coro.dump().contains("b-waiter: suspended")) {
                Coro.sleep(5);
            }
            Coro.spawn("unstarted", () -> Coro.sleep(1));
            return Coro.dump(); // before this task's first suspension: the new one has not run yet
        });
        assertTrue(dump.contains("loop on thread loop-b"), dump);
        assertTrue(dump.contains("b-waiter: suspended on receive on an empty channel"), dump);
        assertTrue(dump.contains("b-sleeper: suspended on sleep"), dump);
        assertTrue(dump.contains("loop on thread " + Thread.currentThread().getName()), dump);
        assertTrue(dump.contains("unstarted: "), dump);
        ch.send(1);
        end.complete(0);
        b.join(10_000);
        assertTrue(!b.isAlive(), "loop B did not end");
    }

    @Test
    void anotherThreadCanDumpTheFramesOfSuspendedTasks() throws Exception {
        CompletableFuture<String> fromOutside = new CompletableFuture<>();
        Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            var t = Coro.spawn("deep", () -> outer(ch, 1, 2L));
            Thread other = new Thread(() -> fromOutside.complete(Coro.dump()));
            Coro.sleep(10);
            other.start();
            Coro.await(fromOutside); // the loop waits in its selector or park meanwhile: nothing moves
            ch.send(1);
            return t.join();
        });
        String dump = fromOutside.get(10, TimeUnit.SECONDS);
        List<String> deep = section(dump, "deep");
        assertEquals("at " + ME + ".middle(DumpTest.java:" + middleLine + ")", deep.get(2), dump);
        assertEquals("at " + ME + ".outer(DumpTest.java:" + outerLine + ")", deep.get(3), dump);
    }

    @Test
    void aJmxClientGetsTheSameDumpFromTheCoroMBean() throws Exception {
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName("dev.coro:type=Coro");
        CompletableFuture<Object[]> fromJmx = new CompletableFuture<>();
        Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            var t = Coro.spawn("deep", () -> outer(ch, 1, 2L));
            Thread client = new Thread(() -> {
                try {
                    // the watchdog registers the MBean when it starts, off the loop's thread
                    for (int i = 0; i < 500 && !server.isRegistered(name); i++) {
                        Thread.sleep(10);
                    }
                    fromJmx.complete(new Object[] {server.invoke(name, "dump", null, null),
                            server.getAttribute(name, "LoopCount")});
                } catch (Exception | Error e) {
                    fromJmx.completeExceptionally(e);
                }
            });
            Coro.sleep(10);
            client.start();
            Coro.await(fromJmx);
            ch.send(1);
            return t.join();
        });
        Object[] got = fromJmx.get(10, TimeUnit.SECONDS);
        String dump = (String) got[0];
        List<String> deep = section(dump, "deep");
        assertEquals("at " + ME + ".middle(DumpTest.java:" + middleLine + ")", deep.get(2), dump);
        assertEquals("at " + ME + ".outer(DumpTest.java:" + outerLine + ")", deep.get(3), dump);
        assertTrue((Integer) got[1] >= 1, "LoopCount while a loop ran: " + got[1]);
    }

    @Test
    void aDeadlockListsTheFramesOfEachTask() {
        DeadlockException e = assertThrows(DeadlockException.class, () -> Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            return Coro.spawn("stuck", () -> outer(ch, 1, 2L)).join();
        }));
        String stuck = e.tasks().stream().filter(l -> l.startsWith("stuck: ")).findFirst().orElseThrow();
        assertTrue(stuck.contains("\n      at " + ME + ".middle(DumpTest.java:" + middleLine + ")"
                + "\n      at " + ME + ".outer(DumpTest.java:" + outerLine + ")"), e.getMessage());
        assertTrue(e.getMessage().contains(stuck), e.getMessage());
    }
}
