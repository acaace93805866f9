package dev.coro;

import dev.coro.internal.Nanos;
import dev.coro.internal.CoTask;
import dev.coro.internal.Loop;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The entry points: start a loop, spawn tasks, sleep, yield, join.
 *
 * <pre>{@code
 * public class Hello {
 *     @Coroutine static int work(int n) {
 *         int sum = 0;
 *         for (int i = 0; i < n; i++) { sum += i; Coro.sleep(10); }
 *         return sum;
 *     }
 *     public static void main(String[] args) {
 *         int total = Coro.run(() -> {
 *             Task<Integer> a = Coro.spawn(() -> work(100));
 *             Task<Integer> b = Coro.spawn(() -> work(100));
 *             return a.join() + b.join();        // about 1 s, not 2: both run on this thread
 *         });
 *         System.out.println(total);
 *     }
 * }
 * }</pre>
 *
 * Run with {@code java -javaagent:coro-agent.jar ...}. Methods taking a trailing {@link Stack} are the forms that
 * instrumented code calls; they are not for direct use. The plain forms are what code the agent did not rewrite
 * reaches: there a suspension cannot unwind, so they block the thread (sleep, yield) or refuse (joins).
 */
public final class Coro {
    private Coro() {
    }

    /**
     * Starts a loop on the calling thread, runs {@code body} as its first task and returns its result once it
     * finishes (or throws its exception). Tasks still running then are cancelled, and the loop runs until their
     * {@code finally} blocks are done.
     */
    public static <T> T run(CoroutineCallable<T> body) {
        return Loop.run(requireNonNull(body, "body"), "main");
    }

    /** {@link #run(CoroutineCallable)} for a body without a result. */
    public static void run(CoroutineRunnable body) {
        Loop.run(requireNonNull(body, "body"), "main");
    }

    /** Starts {@code body} as a new task on the current loop; it runs when the caller next suspends. */
    public static <T> Task<T> spawn(CoroutineCallable<T> body) {
        return loop("Coro.spawn").spawn(requireNonNull(body, "body"), null);
    }

    /** {@link #spawn(CoroutineCallable)} for a body without a result. */
    public static Task<Void> spawn(CoroutineRunnable body) {
        return loop("Coro.spawn").spawn(requireNonNull(body, "body"), null);
    }

    /** {@link #spawn(CoroutineCallable)} with a name for diagnostics. */
    public static <T> Task<T> spawn(String name, CoroutineCallable<T> body) {
        return loop("Coro.spawn").spawn(requireNonNull(body, "body"), requireNonNull(name, "name"));
    }

    /** {@link #spawn(CoroutineRunnable)} with a name for diagnostics. */
    public static Task<Void> spawn(String name, CoroutineRunnable body) {
        return loop("Coro.spawn").spawn(requireNonNull(body, "body"), requireNonNull(name, "name"));
    }

    /** Starts {@code body} as a new task after {@code delay}; cancelled before then, it never runs. */
    public static <T> Task<T> spawnLater(Duration delay, CoroutineCallable<T> body) {
        return loop("Coro.spawnLater").spawnLater(nonNegativeNanos(delay), requireNonNull(body, "body"), null);
    }

    /** {@link #spawnLater(Duration, CoroutineCallable)} for a body without a result. */
    public static Task<Void> spawnLater(Duration delay, CoroutineRunnable body) {
        return loop("Coro.spawnLater").spawnLater(nonNegativeNanos(delay), requireNonNull(body, "body"), null);
    }

    /**
     * Runs {@code body} in the calling coroutine with a deadline: if it has not returned after {@code timeout}, it gets
     * a {@link TimeoutExpiredException} where it is suspended (its {@code finally} blocks run), and so does the caller,
     * also when a library in the body wrapped it in an exception of its own. Nested timeouts each fire their own. See also {@link Timeout} for a try-with-resources form.
     *
     * <pre>{@code
     * String page = Coro.withTimeout(Duration.ofSeconds(2), () -> fetch(url));
     * }</pre>
     */
    @Coroutine
    public static <T> T withTimeout(Duration timeout, CoroutineCallable<T> body) throws Exception {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return withTimeout(timeout, body, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /**
     * A hand-written frame: it keeps its timeout and body on the coroutine's stack while the body is suspended.
     *
     * @hidden
     */
    @SuppressWarnings("unchecked")
    public static <T> T withTimeout(Duration timeout, CoroutineCallable<T> body, Stack stack) throws Exception {
        Timeout t;
        if (Suspend.isResuming(stack)) {
            t = (Timeout) stack.popA();
            body = (CoroutineCallable<T>) stack.popA();
        } else {
            requireNonNull(body, "body");
            t = Timeout.after(requireNonNull(timeout, "timeout"));
        }
        T result;
        try {
            result = body.call(stack);
        } catch (Throwable e) {
            t.close();
            TimeoutExpiredException mine = dev.coro.internal.Failures.signal(e, TimeoutExpiredException.class);
            if (mine != null && mine != e && mine.timeout() == t) {
                throw mine; // a library in the body wrapped it (Jackson wraps what a serializer throws)
            }
            throw e;
        }
        if (Suspend.isSuspending(stack)) {
            stack.pushA(body);
            stack.pushA(t);
            return null;
        }
        t.close();
        return result;
    }

    /**
     * Suspends until {@code future} completes and returns its value; its exception is thrown as it is if unchecked,
     * else wrapped in a {@link java.util.concurrent.CompletionException}. On a plain thread it blocks.
     */
    @Coroutine
    public static <T> T await(java.util.concurrent.CompletionStage<T> future) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return await(future, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @SuppressWarnings("unchecked")
    public static <T> T await(java.util.concurrent.CompletionStage<T> future, Stack stack) {
        if (!Suspend.isResuming(stack)) {
            requireNonNull(future, "future");
        }
        return (T) dev.coro.internal.Blocking.await(stack, future);
    }

    /**
     * Runs a call that cannot be made cooperative (a native library, a blocking driver) on a bounded pool of worker
     * threads, and suspends the caller until it returns: the loop keeps running the others. The pool's size is the
     * system property {@code coro.blocking.threads} (default: 4 per core, at least 8).
     *
     * <pre>{@code
     * byte[] data = Coro.blocking(() -> Files.readAllBytes(path));
     * }</pre>
     */
    @Coroutine
    public static <T> T blocking(java.util.concurrent.Callable<T> call) throws Exception {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return blocking(call, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @SuppressWarnings("unchecked")
    public static <T> T blocking(java.util.concurrent.Callable<T> call, Stack stack) throws Exception {
        if (!Suspend.isResuming(stack)) {
            requireNonNull(call, "call");
        }
        return (T) dev.coro.internal.Blocking.call(stack, call);
    }

    /**
     * A generator, as Python's {@code yield} makes: plain code iterates it with for-each, and each step resumes
     * {@code body} until its next {@link Emitter#emit}. The body runs on the consuming thread.
     *
     * <pre>{@code
     * Iterable<Integer> fib = Coro.generator(out -> {
     *     int a = 0, b = 1;
     *     while (true) { out.emit(a); int t = a + b; a = b; b = t; }
     * });
     * for (int f : fib) { if (f > 100) break; System.out.println(f); }
     * }</pre>
     */
    public static <T> Iterable<T> generator(Generator<T> body) {
        requireNonNull(body, "body");
        return () -> new dev.coro.internal.GeneratorIterator<>(body);
    }

    /**
     * Sets what happens when a task fails while nobody is joining it (default: its name and stack trace go to
     * standard error). The exception is still kept for a later {@link Task#join()}. Null restores the default.
     */
    public static void setUncaughtExceptionHandler(java.util.function.BiConsumer<Task<?>, Throwable> handler) {
        dev.coro.internal.Failures.setHandler(handler);
    }

    /**
     * This JVM's index among the workers started by the launcher
     * ({@code java -jar coro-agent.jar launch --workers N -- ...}): 0 to {@link #workerCount()} - 1, from the
     * environment variable {@code CORO_WORKER_ID}. Outside the launcher: 0.
     *
     * <pre>{@code
     * public class Hello {
     *     public static void main(String[] args) {
     *         System.out.println("worker " + Coro.workerId() + " of " + Coro.workerCount());
     *     }
     * }
     * // java -jar coro-agent.jar launch --workers 2 -- -cp app.jar Hello
     * //   [worker 0] worker 0 of 2
     * //   [worker 1] worker 1 of 2
     * }</pre>
     */
    public static int workerId() {
        return dev.coro.internal.Worker.id();
    }

    /**
     * How many worker JVMs the launcher runs ({@code --workers}), from the environment variable
     * {@code CORO_WORKER_COUNT}; outside the launcher, 1. For instance, to split work among the workers:
     *
     * <pre>{@code
     * public class Shards {
     *     public static void main(String[] args) {
     *         for (int item = Coro.workerId(); item < 100; item += Coro.workerCount()) {
     *             System.out.println("item " + item);   // every item once, spread over the workers
     *         }
     *     }
     * }
     * }</pre>
     */
    public static int workerCount() {
        return dev.coro.internal.Worker.count();
    }

    /**
     * Every live task of every loop in this JVM: its name, state and what it waits on, and below that, for a task
     * that is not running, the frames it is suspended in, innermost first, with line numbers, as in a thread dump;
     * then the methods whose preemption checks are on, since a task overran its time slice there. The same text is
     * available over JMX: MBean {@code dev.coro:type=Coro}, operation {@code dump}. Callable from any thread.
     *
     * <pre>
     * loop on thread main: 2 live tasks
     *   main: running
     *   fetcher-3: suspended on receive on an empty channel
     *       at dev.coro.Channel.receive
     *       at com.example.Crawler.nextUrl(Crawler.java:41)
     *       at com.example.Crawler.lambda$crawl$0(Crawler.java:27)
     * </pre>
     *
     * The frames come from what each frame saved when it suspended (its resume point names the call it stopped at),
     * so they cost nothing until a dump reads them. Frames of the runtime's own code are left out, except the call the
     * innermost frame waits in.
     */
    public static String dump() {
        return Loop.dumpAll();
    }

    /** The task running on this thread, or null outside any coroutine. */
    public static Task<?> current() {
        Loop l = Loop.current();
        return l == null ? null : Stack.current().task();
    }

    /**
     * Suspends the calling coroutine for {@code millis} milliseconds while the loop runs others. Outside a coroutine
     * it sleeps the thread.
     */
    @Coroutine
    public static void sleep(long millis) {
        Stack s = Stack.current(); // reached from code the agent did not rewrite, or as a task entry
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            sleep(millis, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public static void sleep(long millis, Stack stack) {
        if (Suspend.isResuming(stack)) { // arguments are zeros on resume: look at nothing else first
            Suspend.sleep(stack, 0);
            return;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("sleep time is negative: " + millis + " ms");
        }
        Suspend.sleep(stack, TimeUnit.MILLISECONDS.toNanos(millis));
    }

    /** {@link #sleep(long)} for a {@link Duration}. */
    @Coroutine
    public static void sleep(Duration duration) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            sleep(duration, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public static void sleep(Duration duration, Stack stack) {
        if (Suspend.isResuming(stack)) {
            Suspend.sleep(stack, 0);
            return;
        }
        requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("sleep time is negative: " + duration);
        }
        Suspend.sleep(stack, saturatedNanos(duration));
    }

    /** Moves the calling coroutine to the back of the ready queue: every task ready now runs first. */
    @Coroutine
    public static void yield() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            Coro.yield(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public static void yield(Stack stack) {
        Suspend.yieldNow(stack);
    }

    /**
     * Waits until every task has finished. If any failed, the first failure (in argument order) is thrown once all
     * are done, with the others attached as suppressed exceptions.
     */
    @Coroutine
    public static void joinAll(Task<?>... tasks) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            joinAll(tasks, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public static void joinAll(Task<?>[] tasks, Stack stack) {
        if (Suspend.isResuming(stack)) {
            Suspend.joinAll(stack, null);
            return;
        }
        requireNonNull(tasks, "tasks");
        for (Task<?> t : tasks) {
            requireNonNull(t, "task");
        }
        Suspend.joinAll(stack, tasks);
    }

    /** {@link #joinAll(Task[])} for a collection of tasks. */
    @Coroutine
    public static void joinAll(List<? extends Task<?>> tasks) {
        joinAll(tasks.toArray(new Task<?>[0]));
    }

    /** @hidden */
    public static void joinAll(List<? extends Task<?>> tasks, Stack stack) {
        joinAll(Suspend.isResuming(stack) ? null : new ArrayList<Task<?>>(tasks).toArray(new Task<?>[0]), stack);
    }

    private static Loop loop(String what) {
        Loop l = Loop.current();
        if (l == null) {
            if (!dev.coro.internal.AgentSupport.isInstalled()) {
                throw new IllegalStateException(what + " needs the coro agent: add -javaagent:/path/to/coro-agent.jar "
                        + "to the java command line");
            }
            throw new IllegalStateException(what + " called outside a loop: start one with Coro.run(...)");
        }
        return l;
    }

    private static long nonNegativeNanos(Duration d) {
        requireNonNull(d, "delay");
        if (d.isNegative()) {
            throw new IllegalArgumentException("delay is negative: " + d);
        }
        return saturatedNanos(d);
    }

    private static long saturatedNanos(Duration d) {
        return Nanos.of(d);
    }

    private static <T> T requireNonNull(T v, String what) {
        if (v == null) {
            throw new NullPointerException(what + " is null");
        }
        return v;
    }
}
