package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;

import java.util.ArrayList;
import java.util.List;

/**
 * 100,000 coroutines on one thread, each three calls deep, each sleeping 100 ms five times: about half a second,
 * with every coroutine's frames saved on the heap while it sleeps.
 */
public class ManyCoroutines {
    @Coroutine
    static long leaf(int id, int rounds) {
        long acc = id;
        for (int r = 0; r < rounds; r++) {
            Coro.sleep(100);
            acc = acc * 31 + r;
        }
        return acc;
    }

    @Coroutine
    static long middle(int id, int rounds) {
        return leaf(id, rounds) ^ id;
    }

    @Coroutine
    static long top(int id, int rounds) {
        return middle(id, rounds) + 1;
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        long start = System.nanoTime();
        long checksum = Coro.run(() -> {
            List<Task<Long>> tasks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int id = i;
                tasks.add(Coro.spawn(() -> top(id, 5)));
            }
            long sum = 0;
            for (Task<Long> t : tasks) {
                sum += t.join();
            }
            return sum;
        });
        long expected = 0;
        for (int i = 0; i < n; i++) {
            long acc = i;
            for (int r = 0; r < 5; r++) {
                acc = acc * 31 + r;
            }
            expected += (acc ^ i) + 1;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println(n + " coroutines, checksum " + (checksum == expected ? "ok" : "WRONG") + ", " + ms
                + " ms (each slept 5 x 100 ms)");
        if (checksum != expected) {
            System.exit(1);
        }
    }
}
