package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Event;
import dev.coro.Task;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's first demo: two loops that sleep 4 s and 2 s, started together. As threads (Python's
 * {@code threading.Thread(target=loop, ...)}), then as coroutines on one thread, then as coroutines that signal their
 * end with an {@link Event} each (the seed's {@code thread.allocate_lock()} version): "all DONE" comes after about
 * 4 s every time, not 6, because the two loops wait at the same time.
 *
 * <pre>java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.ThreadsVsCoroutines [ms per second]</pre>
 *
 * The optional argument is how many milliseconds one of the seed's seconds lasts (default 1000), so a test can run
 * the demo faster.
 */
public class ThreadsVsCoroutines {
    static final int[] LOOPS = {4, 2};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    static long msPerSecond = 1000;
    static long start;

    static String ctime() {
        return LocalTime.now().format(TIME) + " (+" + (System.nanoTime() - start) / 1_000_000 + " ms)";
    }

    /** The thread version: {@code sleep} blocks this thread. */
    static void loop(int nloop, int nsec) throws InterruptedException {
        System.out.println("start loop " + nloop + " at: " + ctime() + " on " + Thread.currentThread().getName());
        Thread.sleep(nsec * msPerSecond);
        System.out.println("loop " + nloop + " done at: " + ctime());
    }

    /** The coroutine version: {@code Coro.sleep} suspends this coroutine, and the thread runs the other one. */
    @Coroutine
    static void coLoop(int nloop, int nsec) {
        System.out.println("start loop " + nloop + " at: " + ctime() + " on " + Thread.currentThread().getName());
        Coro.sleep(nsec * msPerSecond);
        System.out.println("loop " + nloop + " done at: " + ctime());
    }

    static long threads() throws InterruptedException {
        System.out.println("*** THREADS");
        start = System.nanoTime();
        System.out.println("starting at: " + ctime());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < LOOPS.length; i++) {
            int n = i;
            threads.add(new Thread(() -> {
                try {
                    loop(n, LOOPS[n]);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "thread-" + i));
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return allDone("threads");
    }

    static long coroutines() {
        System.out.println("*** COROUTINES");
        start = System.nanoTime();
        System.out.println("starting at: " + ctime());
        Coro.run(() -> {
            List<Task<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < LOOPS.length; i++) {
                int n = i;
                tasks.add(Coro.spawn("loop-" + i, () -> coLoop(n, LOOPS[n])));
            }
            Coro.joinAll(tasks);
        });
        return allDone("coroutines");
    }

    /** The seed's lock version: each loop signals its end; the main coroutine waits for every signal. */
    static long coroutinesWithEvents() {
        System.out.println("*** COROUTINES SIGNALLING WITH EVENTS");
        start = System.nanoTime();
        System.out.println("starting at: " + ctime());
        Coro.run(() -> {
            List<Event> done = new ArrayList<>();
            for (int i = 0; i < LOOPS.length; i++) {
                int n = i;
                Event e = new Event();
                done.add(e);
                Coro.spawn(() -> {
                    coLoop(n, LOOPS[n]);
                    e.set(); // lock.release()
                });
            }
            for (Event e : done) {
                e.await(); // while locks[i].locked(): pass -- without spinning
            }
        });
        return allDone("events");
    }

    private static long allDone(String how) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("all DONE at: " + ctime());
        System.out.println(how + ": all DONE after " + ms + " ms (the loops sleep " + LOOPS[0] * msPerSecond + " and "
                + LOOPS[1] * msPerSecond + " ms)");
        return ms;
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            msPerSecond = Long.parseLong(args[0]);
        }
        threads();
        System.out.println();
        coroutines();
        System.out.println();
        coroutinesWithEvents();
    }
}
