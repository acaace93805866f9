package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;

import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's {@code test3}: fib, fac and sum of 12, each sleeping at every call (5 ms per fib call, 100 ms per fac
 * and sum call), run one after another, then each in its own thread, then each as a coroutine on one thread. One
 * after another takes the sum of the three (about 4.7 s); concurrently, about the longest (fib, about 2.3 s).
 *
 * <p>The three functions are {@code @Coroutine}: called on a plain thread, {@code Coro.sleep} sleeps the thread;
 * called in a coroutine, it suspends only that coroutine.
 *
 * <pre>java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.FibFacSum [ms per second]</pre>
 *
 * The optional argument is how many milliseconds one of the seed's seconds lasts (default 1000).
 */
public class FibFacSum {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    static final int N = 12;
    static long msPerSecond = 1000;

    static String ctime() {
        return LocalTime.now().format(TIME);
    }

    /** {@code sleep(seconds)} of the seed, scaled. */
    @Coroutine
    static void sleep(double seconds) {
        Coro.sleep(Duration.ofNanos((long) (seconds * msPerSecond * 1_000_000)));
    }

    @Coroutine
    static long fib(int x) {
        sleep(0.005);
        if (x < 2) {
            return 1;
        }
        return fib(x - 2) + fib(x - 1);
    }

    @Coroutine
    static long fac(int x) {
        sleep(0.1);
        if (x < 2) {
            return 1;
        }
        return x * fac(x - 1);
    }

    @Coroutine
    static long sum(int x) {
        sleep(0.1);
        if (x < 2) {
            return 1;
        }
        return x + sum(x - 1);
    }

    /** One of the three, by name, so every variant runs the same code. */
    @Coroutine
    static long call(String name, int x) {
        switch (name) {
            case "fib":
                return fib(x);
            case "fac":
                return fac(x);
            default:
                return sum(x);
        }
    }

    static final String[] FUNCS = {"fib", "fac", "sum"};

    static void singleThread() {
        System.out.println("*** SINGLE THREAD");
        long start = System.nanoTime();
        for (String f : FUNCS) {
            System.out.println("starting " + f + " at: " + ctime());
            System.out.println(call(f, N));
            System.out.println(f + " finished at: " + ctime());
        }
        report("single thread", start);
    }

    static void multipleThreads() throws InterruptedException {
        System.out.println("*** MULTIPLE THREADS");
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        long[] results = new long[FUNCS.length];
        for (int i = 0; i < FUNCS.length; i++) {
            int n = i;
            threads.add(new Thread(() -> {
                System.out.println("starting " + FUNCS[n] + " at: " + ctime());
                results[n] = call(FUNCS[n], N);
                System.out.println(FUNCS[n] + " finished at: " + ctime());
            }, FUNCS[i]));
        }
        for (Thread t : threads) {
            t.start();
        }
        for (int i = 0; i < threads.size(); i++) {
            threads.get(i).join();
            System.out.println(results[i]);
        }
        report("multiple threads", start);
    }

    static void coroutines() {
        System.out.println("*** COROUTINES (one thread: " + Thread.currentThread().getName() + ")");
        long start = System.nanoTime();
        List<Long> results = Coro.run(() -> {
            List<Task<Long>> tasks = new ArrayList<>();
            for (String f : FUNCS) {
                tasks.add(Coro.spawn(f, () -> {
                    System.out.println("starting " + f + " at: " + ctime());
                    long r = call(f, N);
                    System.out.println(f + " finished at: " + ctime());
                    return r;
                }));
            }
            List<Long> l = new ArrayList<>();
            for (Task<Long> t : tasks) {
                l.add(t.join());
            }
            return l;
        });
        results.forEach(System.out::println);
        report("coroutines", start);
    }

    private static void report(String how, long start) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println(how + ": all DONE in " + ms + " ms");
        System.out.println();
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            msPerSecond = Long.parseLong(args[0]);
        }
        singleThread();
        multipleThreads();
        coroutines();
    }
}
