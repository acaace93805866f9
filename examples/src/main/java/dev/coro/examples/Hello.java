package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;

/**
 * Two coroutines on one thread, each summing 100 numbers with a 10 ms sleep per step: about one second in all,
 * not two, because each sleep lets the other run.
 *
 * <pre>java -javaagent:coro-agent.jar -cp coro-runtime.jar:coro-examples.jar dev.coro.examples.Hello</pre>
 */
public class Hello {
    @Coroutine
    static int work(String name, int n) {
        int sum = 0;
        for (int i = 0; i < n; i++) {
            sum += i;
            Coro.sleep(10); // suspends: the loop runs the other task meanwhile
        }
        System.out.println(name + " done on " + Thread.currentThread().getName());
        return sum;
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        int total = Coro.run(() -> {
            Task<Integer> a = Coro.spawn(() -> work("a", 100));
            Task<Integer> b = Coro.spawn(() -> work("b", 100));
            return a.join() + b.join();
        });
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("total " + total + " in " + ms + " ms (sequentially: about 2000 ms)");
    }
}
