package dev.coro.examples;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The seed's two queue demos, with a {@link Channel} for the queue.
 *
 * <p>1. A writer puts A, B, C, sleeping a random while after each; a reader takes items forever. The parent waits
 * for the writer, then ends the reader, which would never end by itself ({@code pr.terminate()}): here, a cancel.
 *
 * <p>2. The task manager and its worker: the manager puts ten random numbers in a task queue and reads ten results,
 * each within 10 s; the worker takes tasks (giving up on one after 1 s), squares them, taking 1 s each, and puts the
 * results. The seed runs them as two processes over the network; here they are two loops on two threads.
 *
 * <pre>java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.ProducerConsumer [ms per second]</pre>
 *
 * The optional argument is how many milliseconds one of the seed's seconds lasts (default 1000).
 */
public class ProducerConsumer {
    static long msPerSecond = 1000;

    static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * msPerSecond * 1_000_000));
    }

    // ---- 1. write / read ----

    @Coroutine
    static void write(Channel<String> q, Random random) {
        for (String value : new String[] {"A", "B", "C"}) {
            System.out.println("Put " + value + " to queue...");
            q.send(value);
            Coro.sleep(seconds(random.nextDouble()));
        }
    }

    @Coroutine
    static void read(Channel<String> q) {
        try {
            while (true) {
                String value = q.receive();
                System.out.println("Get " + value + " from queue.");
            }
        } catch (CancellationException e) {
            System.out.println("reader terminated");
            throw e;
        }
    }

    static void writeAndRead() {
        System.out.println("*** WRITER AND READER");
        Random random = new Random(7);
        Coro.run(() -> {
            Channel<String> q = Channel.unbounded();
            Task<Void> pw = Coro.spawn("writer", () -> write(q, random));
            Task<Void> pr = Coro.spawn("reader", () -> read(q));
            pw.join();
            pr.cancel(); // the reader loops forever: end it
            try {
                pr.join();
            } catch (CancellationException expected) {
                System.out.println("reader cancelled: " + pr.isCancelled());
            }
        });
    }

    // ---- 2. task manager and worker, on two loops ----

    /** The task manager: puts the tasks, lets the worker "connect" (start), reads the results. */
    static void manager(Channel<Integer> tasks, Channel<String> results, Random random, Runnable startWorker) {
        Coro.run(() -> {
            for (int i = 0; i < 10; i++) {
                int n = random.nextInt(10_001);
                System.out.println("Put task " + n + "...");
                tasks.send(n);
            }
            startWorker.run();
            System.out.println("Try get results...");
            for (int i = 0; i < 10; i++) {
                String r = results.receive(seconds(10)); // result.get(timeout=10)
                System.out.println(r == null ? "no result within 10 s" : "Result: " + r);
            }
        });
    }

    /** The worker, on its own loop: takes tasks, gives up on one after 1 s, squares it in 1 s, puts the result. */
    static void worker(Channel<Integer> tasks, Channel<String> results) {
        Coro.run(() -> {
            System.out.println("worker on thread " + Thread.currentThread().getName());
            for (int i = 0; i < 10; i++) {
                Integer n = tasks.receive(seconds(1)); // task.get(timeout=1)
                if (n == null) {
                    System.out.println("task queue is empty.");
                    continue;
                }
                System.out.println("run task " + n + " * " + n + "...");
                String r = n + " * " + n + " = " + (long) n * n;
                Coro.sleep(seconds(1));
                results.send(r);
            }
            System.out.println("worker exit.");
        });
    }

    static void managerAndWorker() throws Exception {
        System.out.println("*** TASK MANAGER AND WORKER (two loops on two threads)");
        Channel<Integer> tasks = Channel.unbounded();
        Channel<String> results = Channel.unbounded();
        CompletableFuture<Void> w = new CompletableFuture<>();
        Thread workerThread = new Thread(() -> {
            try {
                worker(tasks, results);
                w.complete(null);
            } catch (Throwable e) {
                w.completeExceptionally(e);
            }
        }, "worker");
        manager(tasks, results, new Random(42), workerThread::start);
        w.get();
        System.out.println("manager exit.");
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            msPerSecond = Long.parseLong(args[0]);
        }
        writeAndRead();
        System.out.println();
        managerAndWorker();
    }
}
