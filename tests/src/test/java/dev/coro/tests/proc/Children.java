package dev.coro.tests.proc;

import dev.coro.Coro;
import dev.coro.CoroProcess;
import dev.coro.Coroutine;
import dev.coro.ProcessQueue;

import java.util.List;
import java.util.Map;

/** What the child processes of these tests run. */
public final class Children {
    private Children() {
    }

    /** A main class: prints its arguments. */
    public static final class Echo {
        public static void main(String[] args) {
            System.out.println("args " + String.join("|", args));
        }
    }

    static void describe(String s, int i, long l, List<Object> list, Map<String, Object> map, byte[] bytes) {
        System.out.println("got " + s + " " + i + " " + l + " " + list + " " + map + " " + bytes.length);
    }

    static void fail(String message) {
        throw new IllegalStateException(message);
    }

    static void exitWith(int status) {
        System.exit(status);
    }

    static void sleep(int millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    /** Runs on a loop in the child: two coroutines overlap their sleeps on one thread. */
    @Coroutine
    static void coroutines(int n) {
        var a = Coro.spawn(() -> {
            Coro.sleep(300);
            return Thread.currentThread().getName();
        });
        var b = Coro.spawn(() -> {
            Coro.sleep(300);
            return Thread.currentThread().getName();
        });
        long t0 = System.nanoTime();
        String ta = a.join();
        String tb = b.join();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("coroutines " + n + " on " + ta + "/" + tb + " overlapped " + (ms < 550));
    }

    /** Sleeps until signalled; a shutdown hook reports a graceful stop. */
    static void waitForSignal() throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook ran")));
        System.out.println("ready");
        Thread.sleep(60_000);
    }

    /** Starts a grandchild that would sleep for a minute, prints its pid, and waits. */
    static void parentOfSleeper() throws InterruptedException {
        CoroProcess child = CoroProcess.start(Children.class, "sleep", 60_000);
        System.out.println("grandchild " + child.pid());
        Thread.sleep(60_000);
    }

    /** Puts {@code n} numbers and a label on a queue handed over by the parent, from a coroutine. */
    @Coroutine
    static void produce(ProcessQueue<Object> q, int n, String label) {
        for (int i = 0; i < n; i++) {
            q.put(List.of(label, i));
        }
    }

    public void instanceMethod() {
    }

    static void overloaded(String s) {
    }

    static void overloaded(int i) {
    }
}
