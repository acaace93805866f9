package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.CoroutineLocal;
import dev.coro.Task;

import java.util.ArrayList;
import java.util.List;

/**
 * The seed's {@code threading.local()}: a "global" whose value is per thread, so threads that use the same name do not
 * collide. Three threads each set a {@link ThreadLocal} and read it back after a while: no collision. Then the same
 * with three coroutines on one thread: in rewritten code the agent makes a ThreadLocal's value per task (patch group
 * {@code locals}), as gevent's {@code patch_all} makes {@code threading.local} per greenlet, so they keep their own
 * values though they share the thread; with {@code patch=} leaving {@code locals} out they would overwrite each
 * other. A {@link CoroutineLocal} is per task by definition, with or without the agent's patches.
 *
 * <pre>java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.LocalsDemo [ms]</pre>
 *
 * The optional argument is the time unit of the waits, in milliseconds (default 100).
 */
public class LocalsDemo {
    static final String[] STUDENTS = {"Alice", "Bob", "Carol"};
    static final ThreadLocal<String> LOCAL_SCHOOL = new ThreadLocal<>();
    static final CoroutineLocal<String> CORO_SCHOOL = CoroutineLocal.withInitial(() -> "nobody");
    static long unit = 100;

    // ---- threads and threading.local ----

    static String processStudent(String expected) {
        String std = LOCAL_SCHOOL.get();
        return line(std, expected, "thread " + Thread.currentThread().getName());
    }

    static void threads() throws InterruptedException {
        System.out.println("*** THREADS WITH A THREADLOCAL");
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < STUDENTS.length; i++) {
            String name = STUDENTS[i];
            long wait = (STUDENTS.length - i) * unit; // the first to set it is the last to read it
            threads.add(new Thread(() -> {
                LOCAL_SCHOOL.set(name);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                System.out.println(processStudent(name));
            }, "Thread-" + name));
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    // ---- coroutines: the same ThreadLocal (per task, patched), then a CoroutineLocal ----

    @Coroutine
    static String processThreadLocal(String name, long wait) {
        LOCAL_SCHOOL.set(name);
        Coro.sleep(wait); // the other coroutines run on this same thread meanwhile, and set their own
        return line(LOCAL_SCHOOL.get(), name, "task " + Coro.current().name() + " on " + Thread.currentThread().getName());
    }

    @Coroutine
    static String processCoroutineLocal(String name, long wait) {
        CORO_SCHOOL.set(name);
        Coro.sleep(wait);
        return line(CORO_SCHOOL.get(), name, "task " + Coro.current().name() + " on " + Thread.currentThread().getName());
    }

    static void coroutines(String title, boolean coroutineLocal) {
        System.out.println(title);
        Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < STUDENTS.length; i++) {
                String name = STUDENTS[i];
                long wait = (STUDENTS.length - i) * unit;
                tasks.add(Coro.spawn("task-" + name, () -> coroutineLocal
                        ? processCoroutineLocal(name, wait)
                        : processThreadLocal(name, wait)));
            }
            for (Task<String> t : tasks) {
                System.out.println(t.join());
            }
        });
    }

    private static String line(String std, String expected, String where) {
        return "Hello, " + std + " (in " + where + ")" + (std.equals(expected) ? " ok" : " COLLISION: expected "
                + expected);
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            unit = Long.parseLong(args[0]);
        }
        threads();
        System.out.println();
        coroutines("*** COROUTINES WITH A THREADLOCAL (one thread, one value per task: the agent patches it)", false);
        System.out.println();
        coroutines("*** COROUTINES WITH A COROUTINELOCAL (one value per task)", true);
    }
}
