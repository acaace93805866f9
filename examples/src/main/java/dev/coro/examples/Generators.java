package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Emitter;

import java.util.ArrayList;
import java.util.List;

/**
 * Generators, as the seed's "iterators, generators and yield" means them: a function that {@code yield}s values one by
 * one, consumed by a plain for-each. Each step runs the body until its next {@code emit}; nothing runs ahead.
 *
 * <pre>java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.Generators [count]</pre>
 *
 * The optional argument is how many Fibonacci numbers to print (default 10).
 */
public class Generators {

    /** Python's {@code def fib(max): n, a, b = 0, 0, 1; while n < max: yield b; a, b = b, a + b; n = n + 1}. */
    static Iterable<Long> fib(int max) {
        return Coro.generator(out -> {
            int n = 0;
            long a = 0;
            long b = 1;
            while (n < max) {
                out.emit(b);
                long t = a + b;
                a = b;
                b = t;
                n++;
            }
        });
    }

    /** {@code def odd(): print('step 1'); yield 1; print('step 2'); yield 3; print('step 3'); yield 5}. */
    static Iterable<Integer> odd() {
        return Coro.generator(out -> {
            System.out.println("step 1");
            out.emit(1);
            System.out.println("step 2");
            out.emit(3);
            System.out.println("step 3");
            out.emit(5);
        });
    }

    /** A helper that emits: it is a coroutine too, so the generator's body can call it. */
    @Coroutine
    static void emitRow(Emitter<List<Integer>> out, List<Integer> row) {
        out.emit(new ArrayList<>(row));
    }

    /** Pascal's triangle, one row per step, forever. */
    static Iterable<List<Integer>> triangles() {
        return Coro.generator(out -> {
            List<Integer> row = List.of(1);
            while (true) {
                emitRow(out, row);
                List<Integer> next = new ArrayList<>();
                next.add(1);
                for (int i = 1; i < row.size(); i++) {
                    next.add(row.get(i - 1) + row.get(i));
                }
                next.add(1);
                row = next;
            }
        });
    }

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10;

        System.out.println("*** FIBONACCI");
        StringBuilder sb = new StringBuilder();
        for (long f : fib(count)) {
            sb.append(f).append(' ');
        }
        System.out.println("fib(" + count + "): " + sb.toString().trim());

        System.out.println();
        System.out.println("*** ONE STEP PER NEXT");
        for (int o : odd()) {
            System.out.println(o);
        }

        System.out.println();
        System.out.println("*** PASCAL'S TRIANGLE (an endless generator, and a break)");
        int n = 0;
        for (List<Integer> row : triangles()) {
            System.out.println(row);
            if (++n == 6) {
                break;
            }
        }
    }
}
