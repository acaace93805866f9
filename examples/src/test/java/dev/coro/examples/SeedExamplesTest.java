package dev.coro.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the seed document's demos, ported to coro, as a user would: a fresh JVM with {@code -javaagent:coro-agent.jar},
 * with their sleeps scaled down by the argument each takes. Checks what they print, and that the concurrent variants
 * overlapped their waits (loosely: well under the sequential sum, never an exact time).
 */
class SeedExamplesTest {

    /** {@link ExamplesTest#run}, and the demos must not warn either: nothing of theirs blocks the loop. */
    static String run(String mainClass, String... args) throws IOException, InterruptedException {
        String out = ExamplesTest.run(mainClass, args);
        assertTrue(!out.contains("coro: warning"), "coro warned (something blocked the loop or ran pinned):\n" + out);
        return out.replace("\r\n", "\n");
    }

    /** The number in the first match of {@code regex} (its group 1). */
    private static long number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no match for /" + regex + "/ in:\n" + out);
        return Long.parseLong(m.group(1));
    }

    /** The part of {@code out} from the line starting with {@code title} up to the next "***" heading. */
    private static String section(String out, String title) {
        int from = out.indexOf(title);
        assertTrue(from >= 0, "no section " + title + " in:\n" + out);
        int to = out.indexOf("***", from + title.length());
        return out.substring(from, to < 0 ? out.length() : to);
    }

    private static void assertInOrder(String text, String... parts) {
        int at = -1;
        for (String p : parts) {
            int i = text.indexOf(p, at + 1);
            assertTrue(i > at, "'" + p + "' missing or out of order in:\n" + text);
            at = i;
        }
    }

    @Test
    void threadsAndCoroutinesBothFinishTheTwoLoopsInTheTimeOfTheLongest() throws Exception {
        long unit = 150; // ms per seed second: the loops sleep 600 and 300 ms
        String out = run("dev.coro.examples.ThreadsVsCoroutines", String.valueOf(unit));
        for (String how : List.of("threads", "coroutines", "events")) {
            long ms = number(out, how + ": all DONE after (\\d+) ms");
            assertTrue(ms >= 4 * unit - 5, how + " finished before the 4 s loop could: " + ms + " ms\n" + out);
            // one after another: 6 units; together: 4
            assertTrue(ms < 0.85 * 6 * unit, how + " did not overlap the two loops: " + ms + " ms\n" + out);
        }
        for (String title : List.of("*** THREADS", "*** COROUTINES\n", "*** COROUTINES SIGNALLING")) {
            String s = section(out, title);
            // both start, then the 2 s loop ends first, then the 4 s one
            assertTrue(s.contains("start loop 0 at: ") && s.contains("start loop 1 at: "), s);
            assertInOrder(s, "start loop", "start loop", "loop 1 done at: ", "loop 0 done at: ", "all DONE at: ");
        }
        String threads = section(out, "*** THREADS");
        assertTrue(threads.contains("on thread-0") && threads.contains("on thread-1"), threads);
        String coroutines = section(out, "*** COROUTINES\n");
        assertTrue(coroutines.contains("start loop 0 at: ") && !coroutines.contains("on thread-"), coroutines);
        Matcher m = Pattern.compile("start loop \\d at: .* on (\\S+)").matcher(coroutines);
        List<String> threadsOfCoroutines = new ArrayList<>();
        while (m.find()) {
            threadsOfCoroutines.add(m.group(1));
        }
        assertEquals(2, threadsOfCoroutines.size(), coroutines);
        assertEquals(threadsOfCoroutines.get(0), threadsOfCoroutines.get(1), "the coroutines ran on two threads");
    }

    @Test
    void fibFacSumConcurrentlyTakeAboutTheLongestAndOneAfterAnotherTheSum() throws Exception {
        long unit = 400; // ms per seed second: fib sleeps 2 ms per call (465 calls), fac and sum 40 ms (12 calls)
        String out = run("dev.coro.examples.FibFacSum", String.valueOf(unit));
        for (String title : List.of("*** SINGLE THREAD", "*** MULTIPLE THREADS", "*** COROUTINES")) {
            String s = section(out, title);
            // fib(12) = 233 (fib(0) = fib(1) = 1), 12! = 479001600, 12 + 11 + ... + 1 = 78
            assertInOrder(s, "\n233\n", "\n479001600\n", "\n78\n");
            for (String f : List.of("fib", "fac", "sum")) {
                assertInOrder(s, "starting " + f + " at: ", f + " finished at: ");
            }
        }
        long sequential = number(out, "single thread: all DONE in (\\d+) ms");
        long threads = number(out, "multiple threads: all DONE in (\\d+) ms");
        long coroutines = number(out, "coroutines: all DONE in (\\d+) ms");
        long sleptSequentially = 2 * 465 + 12 * 40 + 12 * 40;
        assertTrue(sequential >= sleptSequentially - 5, "one after another in " + sequential + " ms:\n" + out);
        assertTrue(threads < 0.8 * sequential, "the threads did not overlap: " + threads + " ms vs " + sequential);
        assertTrue(coroutines < 0.8 * sequential,
                "the coroutines did not overlap: " + coroutines + " ms vs " + sequential + " ms\n" + out);
        assertTrue(coroutines >= 2 * 465 - 5, "the coroutines finished before fib could: " + coroutines + " ms");
        // the coroutines interleave: fac and sum finish before fib, which takes longest
        String co = section(out, "*** COROUTINES");
        assertInOrder(co, "starting fib", "starting fac", "starting sum", "fac finished", "fib finished");
        assertInOrder(co, "sum finished", "fib finished");
    }

    @Test
    void threadLocalsAreOnePerThreadAndInCoroutinesOnePerTaskAsCoroutineLocals() throws Exception {
        String out = run("dev.coro.examples.LocalsDemo", "40");
        String threads = section(out, "*** THREADS WITH A THREADLOCAL");
        for (String name : List.of("Alice", "Bob", "Carol")) {
            assertTrue(threads.contains("Hello, " + name + " (in thread Thread-" + name + ") ok"), threads);
        }
        assertTrue(!threads.contains("COLLISION"), threads);

        // one loop thread, but the agent's patch makes the ThreadLocal's value per task
        String patched = section(out, "*** COROUTINES WITH A THREADLOCAL");
        for (String name : List.of("Alice", "Bob", "Carol")) {
            assertTrue(patched.contains("Hello, " + name + " (in task task-" + name + " on "), patched);
        }
        assertTrue(!patched.contains("COLLISION"), patched);
        assertEquals(3, patched.split(" ok\n", -1).length - 1, patched);

        String perTask = section(out, "*** COROUTINES WITH A COROUTINELOCAL");
        for (String name : List.of("Alice", "Bob", "Carol")) {
            assertTrue(perTask.contains("Hello, " + name + " (in task task-" + name + " on "), perTask);
        }
        assertTrue(!perTask.contains("COLLISION"), perTask);
        assertEquals(3, perTask.split(" ok\n", -1).length - 1, perTask);
    }

    @Test
    void producerAndConsumerOverAChannelAndAManagerWithItsWorkerOnTwoLoops() throws Exception {
        String out = run("dev.coro.examples.ProducerConsumer", "50");
        String rw = section(out, "*** WRITER AND READER");
        assertInOrder(rw, "Put A to queue...", "Get A from queue.", "Put B to queue...", "Get B from queue.",
                "Put C to queue...", "Get C from queue.", "reader terminated", "reader cancelled: true");

        String mw = section(out, "*** TASK MANAGER AND WORKER");
        Matcher put = Pattern.compile("Put task (\\d+)\\.\\.\\.").matcher(mw);
        List<Long> tasks = new ArrayList<>();
        while (put.find()) {
            tasks.add(Long.parseLong(put.group(1)));
        }
        assertEquals(10, tasks.size(), mw);
        Matcher result = Pattern.compile("Result: (\\d+) \\* (\\d+) = (\\d+)").matcher(mw);
        List<Long> squared = new ArrayList<>();
        while (result.find()) {
            long n = Long.parseLong(result.group(1));
            assertEquals(n, Long.parseLong(result.group(2)));
            assertEquals(n * n, Long.parseLong(result.group(3)), mw);
            squared.add(n);
        }
        assertEquals(tasks, squared, "every task squared once, in order:\n" + mw);
        assertTrue(!mw.contains("task queue is empty.") && !mw.contains("no result"), mw);
        assertTrue(mw.contains("worker on thread worker"), mw);
        assertInOrder(mw, "Try get results...", "worker exit.", "manager exit.");
    }

    @Test
    void generatorsYieldLazilyToAPlainForEach() throws Exception {
        String out = run("dev.coro.examples.Generators", "20");
        assertTrue(out.contains("fib(20): 1 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597 2584 4181 6765\n"), out);
        // each value is printed before the body runs on to its next step
        assertTrue(out.contains("step 1\n1\nstep 2\n3\nstep 3\n5\n"), out);
        assertTrue(out.contains("[1]\n[1, 1]\n[1, 2, 1]\n[1, 3, 3, 1]\n[1, 4, 6, 4, 1]\n[1, 5, 10, 10, 5, 1]\n"), out);
        assertTrue(!out.contains("[1, 6, 15, 20, 15, 6, 1]"), "printed past the break:\n" + out);
    }
}
