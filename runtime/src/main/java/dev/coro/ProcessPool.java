package dev.coro;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.codec.Codecs;
import dev.coro.internal.proc.PoolFunction;
import dev.coro.internal.proc.PoolTask;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool of worker processes for CPU-bound work: Python's {@code multiprocessing.Pool}. Each worker is a child JVM
 * (see {@link CoroProcess}) that runs one item at a time; the function is a {@link ProcessFunction}, a reference to
 * a static method, and items and results cross through {@link Codec#values()} or the codecs given.
 *
 * <pre>{@code
 * public class Squares {
 *     static long square(long x) { return x * x; }
 *
 *     public static void main(String[] args) {
 *         try (ProcessPool pool = ProcessPool.create(2)) {
 *             List<Long> squares = Coro.run(() -> pool.map(Squares::square, List.of(1L, 2L, 3L)));
 *             System.out.println(squares);                          // [1, 4, 9], in the items' order
 *             Task<Long> one = pool.submit(Squares::square, 12L);   // join() suspends a coroutine
 *             System.out.println(one.join());                      // 144
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>A worker that dies while it runs an item (a crash, {@code kill -9}, {@code System.exit}) is replaced, and the
 * item is sent to a worker again, up to {@link Builder#maxAttempts} attempts in all (default 3); then the item fails
 * with {@link ItemFailedException} naming it, its attempts and how each worker ended. An exception thrown by the
 * function fails its item at once, with the worker's stack trace; it is not retried. An item therefore runs at least
 * once, and more than once only when a worker died while running it.
 *
 * <p>{@link #close()} takes no more items and lets the queued ones finish, then the workers exit; {@link
 * #terminate()} stops at once. Workers never outlive this JVM.
 */
public final class ProcessPool implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int START_FAILURES = 3;

    private final int size;
    private final int maxAttempts;
    private final List<String> jvmOptions;
    private final Path dir;
    private final LinkedBlockingDeque<Job> queue = new LinkedBlockingDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Slot> slots = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger running;
    private volatile boolean closed;
    private volatile boolean terminated;
    private volatile String broken;

    private static final Job STOP = new Job(-1, null, null, null, null, null, null);

    private ProcessPool(Builder b) {
        this.size = b.workers;
        this.maxAttempts = b.maxAttempts;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        try {
            this.dir = Files.createTempDirectory("coro-pool-"); // rwx------: only this user reaches the sockets
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the process pool's socket directory: " + e, e);
        }
        this.running = new AtomicInteger(size);
        for (int i = 0; i < size; i++) {
            Slot s = new Slot(i);
            Thread t = new Thread(s, "coro-pool-worker-" + i);
            t.setDaemon(true);
            slots.add(s);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** A pool with one worker per available processor. */
    public static ProcessPool create() {
        return builder().build();
    }

    /** A pool of {@code workers} processes. */
    public static ProcessPool create(int workers) {
        return builder().workers(workers).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a pool. */
    public static final class Builder {
        private int workers = Runtime.getRuntime().availableProcessors();
        private int maxAttempts = 3;
        private final List<String> jvmOptions = new ArrayList<>();

        private Builder() {
        }

        /** How many worker processes (default: available processors). */
        public Builder workers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("a process pool needs at least one worker, not " + n);
            }
            this.workers = n;
            return this;
        }

        /** How many times an item is sent to a worker when workers die running it (default 3). */
        public Builder maxAttempts(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, not " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        /** JVM options for the workers, such as {@code -Xmx512m}. */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        public ProcessPool build() {
            return new ProcessPool(this);
        }
    }

    /** Thrown by {@link Task#join()} or {@code map} for an item that did not complete. */
    public static final class ItemFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int attempts;

        ItemFailedException(String message, int attempts) {
            super(message);
            this.attempts = attempts;
        }

        /** How many times the item was sent to a worker. */
        public int attempts() {
            return attempts;
        }
    }

    /** The number of worker processes. */
    public int workers() {
        return size;
    }

    /** Runs {@code fn(item)} in a worker; items and results through {@link Codec#values()}. */
    @SuppressWarnings("unchecked")
    public <T, R> Task<R> submit(ProcessFunction<T, R> fn, T item) {
        return submit(fn, item, (Codec<T>) Codec.values(), (Codec<R>) Codec.values());
    }

    /** Runs {@code fn(item)} in a worker; the item goes through {@code in}, the result through {@code out}. */
    public <T, R> Task<R> submit(ProcessFunction<T, R> fn, T item, Codec<T> in, Codec<R> out) {
        return cast(enqueue(PoolFunction.of(fn), item, in, out, null).task);
    }

    /**
     * Runs {@code fn} on every item across the workers and returns the results in the items' order. Suspends a
     * coroutine until all are done (blocks a plain thread); if items failed, throws the first one's failure (by
     * position) once all have ended.
     */
    @Coroutine
    public <T, R> List<R> map(ProcessFunction<T, R> fn, Iterable<? extends T> items) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return map(fn, items, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @SuppressWarnings("unchecked")
    public <T, R> List<R> map(ProcessFunction<T, R> fn, Iterable<? extends T> items, Stack s) {
        return map(fn, items, (Codec<T>) Codec.values(), (Codec<R>) Codec.values(), s);
    }

    /** {@link #map(ProcessFunction, Iterable)} with codecs for the items and the results. */
    @Coroutine
    public <T, R> List<R> map(ProcessFunction<T, R> fn, Iterable<? extends T> items, Codec<T> in, Codec<R> out) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return map(fn, items, in, out, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public <T, R> List<R> map(ProcessFunction<T, R> fn, Iterable<? extends T> items, Codec<T> in, Codec<R> out,
                              Stack s) {
        CompletableFuture<List<R>> all = Suspend.isResuming(s) ? null : mapAll(fn, items, in, out);
        return Coro.await(all, s);
    }

    private <T, R> CompletableFuture<List<R>> mapAll(ProcessFunction<T, R> fn, Iterable<? extends T> items,
                                                      Codec<T> in, Codec<R> out) {
        PoolFunction f = PoolFunction.of(fn);
        List<CompletableFuture<R>> parts = new ArrayList<>();
        List<Task<R>> tasks = new ArrayList<>();
        int index = 0;
        try {
            for (T item : items) {
                Task<R> t = cast(enqueue(f, item, in, out, index++).task);
                tasks.add(t);
                parts.add(t.toCompletableFuture());
            }
        } catch (RuntimeException e) {
            tasks.forEach(Task::cancel); // an item that cannot be sent fails the whole map before it runs
            throw e;
        }
        CompletableFuture<List<R>> all = new CompletableFuture<>();
        CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
            List<R> results = new ArrayList<>(parts.size());
            for (CompletableFuture<R> p : parts) {
                try {
                    results.add(p.join());
                } catch (CompletionException | CancellationException x) {
                    all.completeExceptionally(x instanceof CompletionException ? x.getCause() : x);
                    return;
                }
            }
            all.complete(java.util.Collections.unmodifiableList(results));
        });
        return all;
    }

    private <T, R> Job enqueue(PoolFunction f, T item, Codec<T> in, Codec<R> out, Integer index) {
        if (closed) {
            throw new RejectedExecutionException("the process pool is " + (terminated ? "terminated" : "closed"));
        }
        String b = broken;
        if (b != null) {
            throw new RejectedExecutionException(b);
        }
        byte[] bytes;
        try {
            bytes = in.encode(item);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("item " + describe(item, index) + " for " + f.label()
                    + " cannot be sent to a worker process: " + e.getMessage(), e);
        }
        long id = ids.incrementAndGet();
        CompletableFuture<Object> result = new CompletableFuture<>();
        @SuppressWarnings("unchecked")
        Codec<Object> outCodec = (Codec<Object>) out;
        Job j = new Job(id, f, Codecs.spec(in), Codecs.spec(out), bytes, outCodec, result);
        j.description = describe(item, index);
        @SuppressWarnings("unchecked")
        PoolTask<Object> task = new PoolTask<>("ProcessPool " + f.label() + " item " + j.description, result);
        j.task = task;
        queue.addLast(j);
        if (broken != null || terminated) {
            failQueued();
        }
        return j;
    }

    @SuppressWarnings("unchecked")
    private static <R> Task<R> cast(Task<?> t) {
        return (Task<R>) t;
    }

    private static String describe(Object item, Integer index) {
        String v = String.valueOf(item);
        if (v.length() > 80) {
            v = v.substring(0, 77) + "...";
        }
        return index == null ? "(" + v + ")" : "#" + index + " (" + v + ")";
    }

    /** No more items; the queued ones finish, then the workers exit. Does not wait. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < size; i++) {
            queue.addLast(STOP);
        }
    }

    /** Stops now: workers are killed, items not finished fail with {@link CancellationException}. */
    public void terminate() {
        closed = true;
        terminated = true;
        for (Slot s : slots) {
            s.killWorker();
        }
        threads.forEach(Thread::interrupt);
        failQueued();
    }

    private void failQueued() {
        Job j;
        while ((j = queue.pollFirst()) != null) {
            if (j == STOP) {
                continue;
            }
            String b = broken;
            j.result.completeExceptionally(b != null ? new ItemFailedException("item " + j.description + " for "
                    + j.fn.label() + " was not run: " + b, j.attempts)
                    : new CancellationException("the process pool was terminated"));
        }
    }

    @Override
    public String toString() {
        return "ProcessPool[" + size + " workers" + (closed ? ", closed" : "") + "]";
    }

    private static final class Job {
        final long id;
        final PoolFunction fn;
        final String inSpec;
        final String outSpec;
        final byte[] item;
        final Codec<Object> out;
        final CompletableFuture<Object> result;
        String description;
        PoolTask<Object> task;
        int attempts;
        final List<String> deaths = new ArrayList<>();

        Job(long id, PoolFunction fn, String inSpec, String outSpec, byte[] item, Codec<Object> out,
            CompletableFuture<Object> result) {
            this.id = id;
            this.fn = fn;
            this.inSpec = inSpec;
            this.outSpec = outSpec;
            this.item = item;
            this.out = out;
            this.result = result;
        }
    }

    /** One worker process and the thread that feeds it. */
    private final class Slot implements Runnable {
        private final int index;
        private int generation;
        private int startFailures;
        private volatile CoroProcess process;
        private SocketChannel channel;
        private DataInputStream in;
        private DataOutputStream out;

        Slot(int index) {
            this.index = index;
        }

        @Override
        public void run() {
            try {
                connect(); // start eagerly, so the first items do not wait for a JVM to boot
                for (;;) {
                    Job j = queue.takeFirst();
                    if (j == STOP) {
                        break;
                    }
                    if (j.result.isDone()) {
                        continue; // cancelled before it was sent
                    }
                    if (process == null || !process.isAlive()) {
                        disconnect();
                        if (!connect()) {
                            queue.addFirst(j);
                            if (startFailures >= START_FAILURES) {
                                broken = "the process pool's workers cannot start: " + startFailures
                                        + " worker processes in a row exited before connecting (see their standard"
                                        + " error)";
                                failQueued();
                                for (int i = 0; i < size; i++) {
                                    queue.addLast(STOP); // the other slots stop too
                                }
                                return;
                            }
                            continue;
                        }
                    }
                    runOn(j);
                }
            } catch (InterruptedException e) {
                // terminate()
            } finally {
                disconnect();
                if (running.decrementAndGet() == 0) {
                    try {
                        Files.deleteIfExists(dir);
                    } catch (IOException ignored) {
                        // a socket left behind by a killed worker; the directory is in the temp dir
                    }
                }
            }
        }

        private void runOn(Job j) throws InterruptedException {
            j.attempts++;
            CoroProcess p = process;
            byte status;
            byte[] reply;
            try {
                out.writeLong(j.id);
                out.writeUTF(j.fn.className);
                out.writeUTF(j.fn.methodName);
                out.writeUTF(j.fn.descriptor);
                out.writeBoolean(j.fn.onItem);
                out.writeUTF(j.inSpec);
                out.writeUTF(j.outSpec);
                out.writeInt(j.item.length);
                out.write(j.item);
                out.flush();
                long id = in.readLong();
                status = in.readByte();
                int n = in.readInt();
                if (id != j.id || n < 0 || n > (256 << 20) || (status != 0 && status != 1)) {
                    throw new IOException("malformed reply from worker " + p.pid());
                }
                reply = new byte[n];
                in.readFully(reply);
            } catch (IOException e) {
                if (terminated) {
                    j.result.completeExceptionally(new CancellationException("the process pool was terminated"));
                    throw new InterruptedException();
                }
                // the worker died running this item (or broke the protocol): replace it, retry the item
                if (p.isAlive() && !p.join(Duration.ofSeconds(2))) {
                    p.kill();
                }
                p.join(Duration.ofSeconds(10));
                j.deaths.add("pid " + p.pid() + " " + p.exitCode().stream().mapToObj(c -> "exit " + c).findFirst()
                        .orElse("still running: " + e));
                disconnect();
                if (j.attempts < maxAttempts) {
                    queue.addFirst(j);
                } else {
                    j.result.completeExceptionally(new ItemFailedException("item " + j.description + " for "
                            + j.fn.label() + " was not completed: its worker process died during each of "
                            + j.attempts + " attempt" + (j.attempts == 1 ? "" : "s") + " (" + String.join("; ",
                            j.deaths) + ")", j.attempts));
                }
                return;
            }
            if (status == 0) {
                try {
                    j.result.complete(j.out.decode(reply));
                } catch (RuntimeException e) {
                    j.result.completeExceptionally(new ItemFailedException("the result for item " + j.description
                            + " of " + j.fn.label() + " could not be decoded: " + e.getMessage(), j.attempts));
                }
            } else {
                j.result.completeExceptionally(new ItemFailedException("item " + j.description + " for "
                        + j.fn.label() + " failed " + new String(reply, StandardCharsets.UTF_8), j.attempts));
            }
        }

        /** Starts a worker and waits for it to connect; false if it exited first. */
        private boolean connect() throws InterruptedException {
            if (terminated) {
                throw new InterruptedException();
            }
            Path sock = dir.resolve("w" + index + "-" + generation++ + ".sock");
            String token = HexFormat.of().formatHex(nextToken());
            CoroProcess p = null;
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(sock));
                p = CoroProcess.builder().name("pool-worker-" + index).jvmOptions(jvmOptions.toArray(new String[0]))
                        .output(ProcessBuilder.Redirect.INHERIT).start(dev.coro.internal.proc.PoolWorker.class,
                                "serve", sock.toString(), token);
                process = p;
                // a worker that exits before it connects, or never connects, ends the wait
                CompletableFuture<?> closer = p.onExit().thenRun(() -> closeQuietly(server));
                CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(() -> closeQuietly(server));
                SocketChannel ch = server.accept();
                closer.cancel(false);
                DataInputStream i = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch)));
                DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch)));
                if (!token.equals(i.readUTF()) || i.readLong() != p.pid()) {
                    ch.close();
                    throw new IOException("a process that is not the pool's worker connected");
                }
                channel = ch;
                in = i;
                out = o;
                startFailures = 0;
                return true;
            } catch (IOException e) {
                if (terminated || Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                if (p != null) {
                    p.kill();
                }
                process = null;
                startFailures++;
                return false;
            } finally {
                try {
                    Files.deleteIfExists(sock);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }

        private void disconnect() {
            SocketChannel ch = channel;
            channel = null;
            if (ch != null) {
                closeQuietly(ch); // the worker reads the end of the stream and exits
            }
            process = null;
        }

        void killWorker() {
            CoroProcess p = process;
            if (p != null) {
                p.kill();
            }
        }
    }

    private static byte[] nextToken() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
