package dev.coro.internal.proc;

import dev.coro.Coro;
import dev.coro.Coroutine;

import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The main class of a child process started by {@link dev.coro.CoroProcess}. It reads the call from standard input
 * (never the command line: it may be large, and {@code ps} shows command lines), then keeps reading standard input
 * on a daemon thread: the parent holds the other end open for the child's whole life, so end of file means the
 * parent is gone (even after {@code kill -9}), and the child exits rather than linger.
 *
 * <p>Exit status: 0 when the call returns (a static method's process ends then, like Python's; after {@code main}
 * the JVM ends as usual, once its non-daemon threads finish), 1 when it throws (the stack trace goes to standard
 * error), 2 when the call cannot be read or set up, 3 when the parent went away first.
 */
public final class ChildMain {
    /** Exit status of a child whose call threw. */
    public static final int FAILED = 1;
    /** Exit status of a child that could not start its call. */
    public static final int BAD_CALL = 2;
    /** Exit status of a child whose parent exited first. */
    public static final int ORPHANED = 3;

    private ChildMain() {
    }

    public static void main(String[] args) {
        String label = args.length > 0 ? args[0] : "?";
        InputStream stdin = new FileInputStream(FileDescriptor.in);
        ChildCall call;
        Method method;
        Object[] arguments;
        try {
            call = ChildCall.read(new DataInputStream(stdin));
            System.setIn(InputStream.nullInputStream()); // standard input is the parent's lifeline, not the user's
            watchParent(stdin, call.parentPid);
            method = call.resolve(ClassLoader.getSystemClassLoader());
            arguments = call.arguments();
        } catch (Throwable e) {
            System.err.println("coro: child process " + label + " could not start its call:");
            e.printStackTrace();
            exit(BAD_CALL);
            return;
        }
        try {
            if (method.isAnnotationPresent(Coroutine.class)) {
                Method m = method;
                Object[] a = arguments;
                // The loop arms the body's entry; this frame and the reflective call only pass values through, so
                // the coroutine method's stub takes the entry as its own and suspends through them.
                Coro.run(() -> invoke(m, a));
            } else {
                invoke(method, arguments);
            }
        } catch (Throwable e) {
            System.err.println("coro: child process " + call.label() + " failed:");
            e.printStackTrace();
            exit(FAILED);
            return;
        }
        if (!call.isMain) {
            exit(0);
        }
    }

    private static Object invoke(Method m, Object[] args) throws Exception {
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception x) {
                throw x;
            }
            if (c instanceof Error x) {
                throw x;
            }
            throw e;
        }
    }

    private static void watchParent(InputStream stdin, long parentPid) {
        Thread t = new Thread(() -> {
            byte[] sink = new byte[256];
            try {
                while (stdin.read(sink) >= 0) {
                    // the parent writes nothing more; reading only waits for the end
                }
            } catch (IOException ignored) {
                // a broken pipe means the same
            }
            exit(ORPHANED); // quietly: a parent that exits normally ends its children this way too
        }, "coro-parent-watch");
        t.setDaemon(true);
        t.start();
    }

    /** Flushes the standard streams and exits; halts if shutdown hooks hang. */
    static void exit(int status) {
        System.out.flush();
        System.err.flush();
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(5000);
            } catch (InterruptedException ignored) {
                // exit anyway
            }
            Runtime.getRuntime().halt(status);
        }, "coro-exit-guard");
        halt.setDaemon(true);
        halt.start();
        System.exit(status);
    }
}
