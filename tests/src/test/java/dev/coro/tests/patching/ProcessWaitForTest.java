package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.charset.StandardCharsets.UTF_8;
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

    // ---- the child's pipes ----

    /** A child that answers each line it reads on stdin, after a pause, and says goodbye on stderr. */
    @Coroutine
    static String talkToChild(long pauseMs) throws Exception {
        Process p = child("while read line; do sleep " + pauseMs / 1000.0 + "; echo \"got $line\"; done; "
                + "echo bye >&2");
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8));
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), UTF_8));
        OutputStream in = p.getOutputStream();
        List<String> t = new ArrayList<>();
        for (String word : List.of("one", "two")) {
            in.write((word + "\n").getBytes(UTF_8));
            in.flush();
            t.add(out.readLine());
        }
        in.close();
        t.add(String.valueOf(out.readLine())); // the end of its output
        t.add(err.readLine());
        t.add("exit " + p.waitFor());
        return String.join(", ", t);
    }

    @Test
    void aChildsPipesGiveTheSameInAndOutOfCoroutines() throws Exception {
        String plain = talkToChild(10);
        assertEquals("got one, got two, null, bye, exit 0", plain);
        assertEquals(plain, Coro.run(() -> talkToChild(10)));
    }

    /** The same through the JDK's own readers (JDK 17): the same reader each time, read a line at a time. */
    @Coroutine
    static String readersOfAChild(long pauseMs) throws Exception {
        Process p = child("for w in one two three; do sleep " + pauseMs / 1000.0 + "; echo $w; done; echo bye >&2");
        List<String> t = new ArrayList<>();
        for (String line; (line = p.inputReader(UTF_8).readLine()) != null;) { // a new call each time, as written
            t.add(line);
        }
        t.add(p.errorReader().readLine());
        t.add("exit " + p.waitFor());
        return String.join(", ", t);
    }

    @Test
    void aChildsReadersGiveTheSameInAndOutOfCoroutinesWithoutBlockingTheLoop() throws Exception {
        String plain = readersOfAChild(10);
        assertEquals("one, two, three, bye, exit 0", plain);
        SocketWrappersMorePatchTest.Ticked<String> r = SocketWrappersMorePatchTest.ticking(() -> readersOfAChild(300));
        assertEquals(plain, r.value);
        assertTrue(r.maxGapMs < 250, "the loop stalled " + r.maxGapMs + " ms"); // each line comes after 300 ms
    }

    @Test
    void readingChildrenOutputSuspendsTheTasksNotTheLoop() {
        SocketWrappersMorePatchTest.Ticked<List<String>> r = SocketWrappersMorePatchTest.ticking(() -> {
            List<Task<String>> talks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                talks.add(Coro.spawn(() -> talkToChild(300)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : talks) {
                out.add(t.join());
            }
            return out;
        });
        for (String transcript : r.value) {
            assertEquals("got one, got two, null, bye, exit 0", transcript);
        }
        SocketWrappersMorePatchTest.assertOverlapped(r, 4, 600); // each child takes two pauses of 300 ms
    }
}
