package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.ProcessPool;
import dev.coro.Task;

import java.util.List;
import java.util.stream.LongStream;

/**
 * CPU-bound work across processes with {@link ProcessPool}: squares, and two prime counts that the two worker JVMs
 * compute at the same time, while a coroutine of the parent's loop waits.
 *
 * Run: {@code java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.PoolSquares}
 */
public class PoolSquares {

    static long square(long x) {
        return x * x;
    }

    /** Primes in [from, from + 200000): enough work to be worth a process. */
    static long primes(long from) {
        long count = 0;
        for (long n = Math.max(2, from); n < from + 200_000; n++) {
            boolean prime = true;
            for (long d = 2; d * d <= n; d++) {
                if (n % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                count++;
            }
        }
        return count;
    }

    public static void main(String[] args) {
        try (ProcessPool pool = ProcessPool.create(2)) {
            Coro.run(() -> {
                List<Long> squares = pool.map(PoolSquares::square, LongStream.rangeClosed(1, 10).boxed().toList());
                System.out.println("squares " + squares);

                Task<Long> below200k = pool.submit(PoolSquares::primes, 0L);
                Task<Long> next200k = pool.submit(PoolSquares::primes, 200_000L);
                System.out.println("primes below 400000: " + (below200k.join() + next200k.join()));
            });
        }
    }
}
