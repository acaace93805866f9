package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Process.waitFor} in coroutines: the loop keeps running while children run; results are the JDK's. */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ProcessWaitForTest {

    static Process child(String script) throws Exception {
        return new ProcessBuilder("/bin/sh", "-c", script).start();
    }

    /** A transcript of waiting for a child that sleeps, then exits with 3: timed out, ended, exit code. */
    @Coroutine
    static String waitForChild() throws Exception {
        Process p = child("sleep 0.3; exit 3");
        boolean early = p.waitFor(20, TimeUnit.MILLISECONDS);
        boolean zero = p.waitFor(0, TimeUnit.SECONDS);
        int code = p.waitFor();
        boolean after = p.waitFor(1, TimeUnit.SECONDS);
        int again = p.waitFor();
        return "early=" + early + " zero=" + zero + " code=" + code + " after=" + after + " again=" + again;
    }

    @Coroutine
    static int exitCodeOf(String script) throws Exception {
        return child(script).waitFor();
    }

    @Coroutine
    static boolean timedWaitThatSucceeds() throws Exception {
        Process p = child("sleep 0.1; exit 0");
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void sameResultsInAndOutOfCoroutines() throws Exception {
        String plain = waitForChild();
        assertEquals("early=false zero=false code=3 after=true again=3", plain);
        assertEquals(plain, Coro.run(ProcessWaitForTest::waitForChild));
        assertTrue(Coro.run(ProcessWaitForTest::timedWaitThatSucceeds));
    }

    @Test
    void childrenOverlapAndTheLoopKeepsRunning() {
        AtomicInteger ticks = new AtomicInteger();
        AtomicInteger ticksWhileTheFirstChildRan = new AtomicInteger();
        long start = System.nanoTime();
        List<Integer> codes = Coro.run(() -> {
            AtomicBoolean stop = new AtomicBoolean();
            Task<Void> ticker = Coro.spawn(() -> {
                while (!stop.get()) {
                    Thread.sleep(10);
                    ticks.incrementAndGet();
                }
            });
            List<Task<Integer>> waits = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int code = 10 + i;
                waits.add(Coro.spawn(() -> exitCodeOf("sleep 0.5; exit " + code)));
            }
            List<Integer> out = new ArrayList<>();
            out.add(waits.get(0).join());
            ticksWhileTheFirstChildRan.set(ticks.get());
            for (Task<Integer> w : waits.subList(1, waits.size())) {
                out.add(w.join());
            }
            stop.set(true);
            ticker.join();
            return out;
        });
        // ~50 ticks fit in the first child's 0.5 s; a wait that held the loop would leave the ticker at 0 or 1
        assertTrue(ticksWhileTheFirstChildRan.get() >= 5,
                "the loop was blocked while children ran: " + ticksWhileTheFirstChildRan.get() + " ticks");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(List.of(10, 11, 12, 13, 14), codes);
        System.out.println("5 children of 0.5 s waited for on one loop: " + ms + " ms");
        assertTrue(ms < 2000, "the waits did not overlap: " + ms + " ms"); // one after another: 2.5 s
    }
}
