package dev.coro;

import dev.coro.internal.Nanos;
import dev.coro.internal.AgentSupport;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.proc.ChildCall;
import dev.coro.internal.proc.ChildMain;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a static method or a main class: Python's {@code multiprocessing.Process}, cooperative. The
 * child runs the same {@code java}, with the same class path and the coro agent with the same options; a static
 * method annotated {@link Coroutine} runs inside {@link Coro#run}, anything else as it is.
 *
 * <pre>{@code
 * public class Squares {
 *     static void work(String name, int n) {             // any static method; arguments that Codec.values()
 *         System.out.println(name + ": " + n * n);       // carries, or a ProcessQueue / Pipe end
 *     }
 *
 *     public static void main(String[] args) {
 *         Coro.run(() -> {
 *             CoroProcess p = CoroProcess.start(Squares.class, "work", "child", 7);
 *             int status = p.join();                     // suspends this coroutine, not the thread
 *             System.out.println("exit " + status);      // child: 49, then exit 0
 *         });
 *     }
 * }
 * }</pre>
 *
 * <p>The method and arguments are checked by reflection before anything is forked: an unknown method, a wrong
 * number or type of arguments, or an instance method fail at once with {@link IllegalArgumentException} naming the
 * class and the method. Arguments cross as {@link Codec#values()} values (so a {@code List} arrives as an
 * unmodifiable list) or as {@code Handover}s such as a {@code ProcessQueue} or a {@code Pipe} end, which the child
 * attaches to again.
 *
 * <p>Exit status: 0 when the call returns (the child ends then, even if it left threads running; a main class
 * ends as any JVM does), 1 when it throws (its stack trace on the child's standard error), 2 when the child could
 * not set up the call, 3 when the parent died first; after {@link #terminate()} or {@link #kill()}, 128 plus the
 * signal (143, 137) unless the child's shutdown hooks exit otherwise.
 *
 * <p>A child never outlives its parent: the parent holds the child's standard input open, and the child exits
 * when it closes, which the operating system does even when the parent is killed with {@code kill -9}. The
 * child's {@code System.in} is therefore empty. Standard output and error are the parent's unless redirected
 * with {@link Builder}.
 */
public final class CoroProcess {
    /** Children alive: they keep their standard-input lifeline referenced until they exit. */
    private static final Set<CoroProcess> LIVE = ConcurrentHashMap.newKeySet();

    private final String name;
    private final Process process;
    private final OutputStream lifeline;
    private final CompletableFuture<Integer> exit;

    private CoroProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.lifeline = process.getOutputStream();
        this.exit = process.onExit().thenApply(Process::exitValue);
        LIVE.add(this);
        exit.whenComplete((v, e) -> {
            LIVE.remove(this);
            try {
                lifeline.close();
            } catch (IOException ignored) {
                // the child is gone
            }
        });
    }

    /**
     * Starts a child running {@code mainClass.main(args)}. (Not an overload of {@code start}: with string
     * arguments, {@code start(owner, "method", "x")} would otherwise be ambiguous.)
     */
    public static CoroProcess startMain(Class<?> mainClass, String... args) {
        return builder().startMain(mainClass, args);
    }

    /**
     * Starts a child running the static method {@code owner.method(args)}; arguments are values that
     * {@link Codec#values()} carries, or handovers (a {@code ProcessQueue}, a {@code Pipe} end).
     */
    public static CoroProcess start(Class<?> owner, String method, Object... args) {
        return builder().start(owner, method, args);
    }

    /** Options for a child: its name, extra JVM options, where its output goes. */
    public static Builder builder() {
        return new Builder();
    }

    /** The options of {@link #builder()}; each {@code start} starts one child with them. */
    public static final class Builder {
        private String name;
        private final List<String> jvmOptions = new ArrayList<>();
        private ProcessBuilder.Redirect out = ProcessBuilder.Redirect.INHERIT;
        private ProcessBuilder.Redirect err = ProcessBuilder.Redirect.INHERIT;

        private Builder() {
        }

        /** A name for diagnostics (default: the class and method). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** JVM options for the child, such as {@code -Xmx256m} or {@code -Dkey=value}. */
        public Builder jvmOptions(String... options) {
            for (String o : options) {
                jvmOptions.add(java.util.Objects.requireNonNull(o, "JVM option"));
            }
            return this;
        }

        /** Where the child's standard output goes (default: this process's). {@code PIPE}: read {@link #stdout()}. */
        public Builder output(ProcessBuilder.Redirect redirect) {
            this.out = java.util.Objects.requireNonNull(redirect, "redirect");
            return this;
        }

        /** Where the child's standard error goes (default: this process's). {@code PIPE}: read {@link #stderr()}. */
        public Builder error(ProcessBuilder.Redirect redirect) {
            this.err = java.util.Objects.requireNonNull(redirect, "redirect");
            return this;
        }

        /** Both output streams into one file, appended. */
        public Builder outputTo(Path file) {
            ProcessBuilder.Redirect r = ProcessBuilder.Redirect.appendTo(file.toFile());
            this.out = r;
            this.err = r;
            return this;
        }

        /** Starts a child running {@code mainClass.main(args)}. */
        public CoroProcess startMain(Class<?> mainClass, String... args) {
            return launch(ChildCall.main(mainClass, args));
        }

        /** Starts a child running the static method {@code owner.method(args)}. */
        public CoroProcess start(Class<?> owner, String method, Object... args) {
            return launch(ChildCall.method(owner, method, args == null ? new Object[] {null} : args));
        }

        private CoroProcess launch(ChildCall call) {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmOptions);
            String agent = AgentSupport.agentJar();
            String options = AgentSupport.agentOptions();
            if (agent == null) {
                agent = System.getProperty("coro.agent.jar");
            }
            if (agent == null) {
                throw new IllegalStateException("CoroProcess starts children with the coro agent, but this JVM's agent"
                        + " jar is unknown: run with -javaagent:/path/to/coro-agent.jar (or set -Dcoro.agent.jar)");
            }
            cmd.add("-javaagent:" + agent + (options == null || options.isEmpty() ? "" : "=" + options));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(ChildMain.class.getName());
            cmd.add(call.label());
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(out)
                    .redirectError(err);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException("could not start a child process for " + call.label() + ": " + e, e);
            }
            CoroProcess child = new CoroProcess(name != null ? name : call.label(), p);
            try {
                call.write(new DataOutputStream(p.getOutputStream()));
            } catch (IOException e) {
                // the child died before reading its call; its exit status and output tell why
            }
            return child;
        }
    }

    /** The name given to the builder, or {@code Class.method}. */
    public String name() {
        return name;
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** True until the child has exited. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status once the child has exited; empty while it runs. */
    public OptionalInt exitCode() {
        Integer v = exit.getNow(null);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    /**
     * Waits for the child to exit and returns its exit status. Inside a coroutine this suspends the caller (the
     * loop runs the others); on a plain thread it blocks.
     */
    @Coroutine
    public int join() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return join(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public int join(Stack s) {
        Integer status = Coro.await(exit, s);
        return status == null ? 0 : status; // null only while suspending: the value is not used
    }

    /** Waits at most {@code timeout} for the child to exit; true if it did. Suspends a coroutine, blocks a thread. */
    @Coroutine
    public boolean join(Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return join(timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public boolean join(Duration timeout, Stack s) {
        CompletableFuture<Boolean> bounded = null;
        if (!Suspend.isResuming(s)) {
            long nanos = Nanos.of(timeout); // a null timeout fails here, before any wait
            bounded = exit.isDone() ? CompletableFuture.completedFuture(true)
                    : exit.thenApply(v -> true).completeOnTimeout(false, Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }
        Boolean exited = Coro.await(bounded, s);
        return exited != null && exited; // null only while suspending: the value is not used
    }

    /** Completes with this process once the child has exited. */
    public CompletableFuture<CoroProcess> onExit() {
        return exit.thenApply(v -> this);
    }

    /**
     * Asks the child to stop (SIGTERM): its shutdown hooks run, and it exits with 143 unless a hook exits
     * otherwise. Returns at once; {@link #join()} waits for the exit.
     */
    public void terminate() {
        process.toHandle().destroy(); // Process.destroy would also close the pipes to a child that may still write
    }

    /** Stops the child at once (SIGKILL): nothing more runs in it; it exits with 137. Returns at once. */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    /** The child's standard output, when the builder's {@code output} was {@code PIPE}; else an empty stream. */
    public InputStream stdout() {
        return process.getInputStream();
    }

    /** The child's standard error, when the builder's {@code error} was {@code PIPE}; else an empty stream. */
    public InputStream stderr() {
        return process.getErrorStream();
    }

    @Override
    public String toString() {
        OptionalInt code = exitCode();
        return "CoroProcess[" + name + ", pid " + pid() + (code.isPresent() ? ", exit " + code.getAsInt() : ", alive")
                + "]";
    }
}
