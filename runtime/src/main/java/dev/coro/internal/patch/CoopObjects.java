package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
import dev.coro.internal.Settings;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.Workers;
import dev.coro.internal.patch.ChannelStreams.CoopOutput;
import dev.coro.internal.patch.ChannelStreams.Sink;

import java.io.DataInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInput;
import java.io.ObjectInputStream;
import java.io.ObjectOutput;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

import static dev.coro.internal.patch.ChannelStreams.plain;

/**
 * {@code ObjectInputStream} and {@code ObjectOutputStream} around a coro socket's streams (or one of coro's
 * cooperative wrappers around them, or any stream coro offloads: group {@code sockets}).
 * <p>
 * <b>Input.</b> An {@code ObjectInputStream} keeps deep state (its handle table, block-data mode, the object being
 * read half-built) across the reads it makes, so a read that finds nothing yet cannot be rolled back and retried
 * as coro's other wrappers are. So, gevent's threadpool way: {@code new ObjectInputStream(in)} made at a patched
 * call site around such a stream gives a marked subclass of the JDK's ({@link ObjIn}), and in a coroutine its
 * constructor (which reads the stream header) and its reads at patched call sites ({@code readObject},
 * {@code readUnshared}, {@code readInt}, {@code readFully}, {@code readUTF}, {@code read}, ...) run on a worker
 * thread while the task suspends; there the socket's stream blocks as it does on a plain thread, with the JDK's
 * {@code SO_TIMEOUT}, EOF and close behaviour. The cost is a thread hand-off per call, and a worker thread per
 * waiting call: the workers are not the bounded {@code Coro.blocking} pool (a thousand idle peers would starve it)
 * but {@link #EXECUTOR}, which grows to {@code coro.streams.threads} (default 512) daemon threads and shrinks when
 * idle. One call at a time is handed over (the hand-off and the return are happens-before edges), so a stream is
 * used as the JDK's is: two tasks must not read one stream at once (nor may two threads with the JDK's). Classes
 * are resolved with the loader the JDK would pick on the caller's thread (the nearest application class on the
 * caller's stack), not the worker's.
 * <p>
 * <b>Output.</b> An {@code ObjectOutputStream} only ever writes: it needs no thread. {@code new ObjectOutputStream(out)}
 * around such a stream gives a marked subclass over coro's {@link Sink} for that stream, as coro's
 * {@code DataOutputStream} is: in a coroutine its constructor (which writes the stream header: a peer's
 * {@code ObjectInputStream} waits for it) and its {@code writeObject}, {@code writeUnshared}, {@code reset},
 * {@code flush}, {@code close} and primitive writes at patched call sites run the JDK's code on the loop thread
 * with a sink that never waits: what the socket does not take at once is kept and sent while the task suspends
 * before the call returns. So the bytes reach the socket when the JDK's would (at the end of {@code writeObject},
 * on {@code flush}, when the block buffer fills), nothing blocks the loop, and no thread is involved; the price is
 * that a large object graph that the peer is slow to take is held in memory rather than throttling the writer
 * inside {@code writeObject}.
 * <p>
 * On a plain thread, and at call sites that are not patched, these objects are the JDK's and block as the JDK's do.
 */
public final class CoopObjects {
    private CoopObjects() {
    }

    /**
     * Where calls that wait on a peer for an unknown time run for coroutines ({@code Scanner}'s, an
     * {@code ObjectInputStream}'s, the zip, digest and cipher filters' of {@link CoopFilters}): {@link Workers}, up
     * to {@code coro.streams.threads} (default 512).
     */
    static final Executor EXECUTOR = new Workers("coro-stream-",
            Settings.count("coro.streams.threads", 512, 1, 1 << 15));

    /** A call that may throw what an object stream's calls throw. */
    @FunctionalInterface
    interface ObjCall<T> {
        T call() throws IOException, ClassNotFoundException;
    }

    /**
     * Runs {@code call} on {@link #EXECUTOR} while the task suspends: its result, or null while {@code st} is
     * suspending (called again on resume, it returns the result or throws the call's exception as it was thrown).
     */
    static Object offload(Stack st, Callable<?> call) throws IOException, ClassNotFoundException {
        try {
            return Blocking.call(st, Suspend.isResuming(st) ? null : call, EXECUTOR);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // no call offloaded here throws another checked exception
        }
    }

    /**
     * Whether an object stream (or a {@code Scanner}) around {@code in} is to be cooperative: a coro socket's
     * stream (plain or TLS), a socket channel's, one of coro's cooperative wrappers, or a stream whose reads coro
     * offloads ({@code URL.openStream()}, {@code patch=files}).
     */
    static boolean coop(InputStream in) {
        return SocketStreams.coop(in) || in instanceof OffloadedInputStream || CoopFilters.is(in);
    }

    // ---- ObjectInputStream ----

    /** {@code new ObjectInputStream(in)} around a cooperative stream: the JDK's, its calls offloaded in coroutines. */
    static final class ObjIn extends ObjectInputStream {
        /**
         * While an offloaded call runs: the loader the JDK's {@code resolveClass} would have used on the caller's
         * thread (null otherwise: the JDK's own choice on the thread that reads).
         */
        private ClassLoader loader;

        ObjIn(InputStream in) throws IOException {
            super(in);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            ClassLoader l = loader;
            if (l == null) {
                return super.resolveClass(desc);
            }
            String name = desc.getName();
            try {
                return Class.forName(name, false, l); // as the JDK's, with the caller's loader
            } catch (ClassNotFoundException ex) {
                Class<?> p = PRIMITIVES.get(name);
                if (p != null) {
                    return p;
                }
                throw ex;
            }
        }
    }

    private static final Map<String, Class<?>> PRIMITIVES = Map.of("boolean", boolean.class, "byte", byte.class,
            "char", char.class, "short", short.class, "int", int.class, "long", long.class, "float", float.class,
            "double", double.class, "void", void.class);

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /**
     * The loader {@code ObjectInputStream.resolveClass} picks on this thread (its {@code latestUserDefinedLoader}:
     * the nearest class on the stack with a loader other than the boot and platform ones), coro's own frames left
     * out.
     */
    static ClassLoader callerLoader() {
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        return WALKER.walk(frames -> frames.map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> !c.getName().startsWith("dev.coro.internal."))
                .map(Class::getClassLoader)
                .filter(l -> l != null && l != platform)
                .findFirst()
                .orElse(platform));
    }

    public static ObjectInputStream newObjectInputStream(InputStream in, Stack st) throws IOException {
        if (plain(st)) {
            return newObjectInputStream(in);
        }
        if (!Suspend.isResuming(st) && !coop(in)) {
            return new ObjectInputStream(in);
        }
        try {
            return (ObjectInputStream) offload(st, () -> new ObjIn(in));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e); // the constructor reads only the header
        }
    }

    /** On a plain thread (or a call kept blocking): the JDK's constructor, marked around a cooperative stream. */
    public static ObjectInputStream newObjectInputStream(InputStream in) throws IOException {
        return coop(in) ? new ObjIn(in) : new ObjectInputStream(in);
    }

    /** A call on {@code in}: offloaded if it is coro's and a coroutine makes it, else the JDK's, here. */
    @SuppressWarnings("unchecked")
    private static <T> T read(Object in, Stack st, boolean resolves, ObjCall<T> call)
            throws IOException, ClassNotFoundException {
        if (Suspend.isResuming(st)) {
            return (T) offload(st, null);
        }
        if (!(in instanceof ObjIn) || st.task() == null) {
            return call.call();
        }
        ObjIn o = (ObjIn) in;
        ClassLoader l = resolves ? callerLoader() : null;
        return (T) offload(st, () -> {
            ClassLoader before = o.loader;
            o.loader = l != null ? l : before;
            try {
                return call.call();
            } finally {
                o.loader = before;
            }
        });
    }

    /** As {@link #read(Object, Stack, boolean, ObjCall)} for calls that cannot throw ClassNotFoundException. */
    private static <T> T io(Object in, Stack st, ObjCall<T> call) throws IOException {
        try {
            return read(in, st, false, call);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e); // not a call that resolves classes
        }
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v; // null: suspending, the value is not used
    }

    public static Object readObject(ObjectInput in, Stack st) throws IOException, ClassNotFoundException {
        return read(in, st, true, in::readObject);
    }

    public static Object readUnshared(ObjectInputStream in, Stack st) throws IOException, ClassNotFoundException {
        return read(in, st, true, in::readUnshared);
    }

    public static int read(ObjectInput in, Stack st) throws IOException {
        return orZero(io(in, st, in::read));
    }

    public static int read(ObjectInput in, byte[] b, Stack st) throws IOException {
        return orZero(io(in, st, () -> in.read(b)));
    }

    public static int read(ObjectInput in, byte[] b, int off, int len, Stack st) throws IOException {
        return orZero(io(in, st, () -> in.read(b, off, len)));
    }

    public static long skip(ObjectInput in, long n, Stack st) throws IOException {
        Long v = io(in, st, () -> in.skip(n));
        return v == null ? 0 : v;
    }

    public static byte[] readAllBytes(InputStream in, Stack st) throws IOException {
        return io(in, st, in::readAllBytes);
    }

    public static byte[] readNBytes(InputStream in, int len, Stack st) throws IOException {
        return io(in, st, () -> in.readNBytes(len));
    }

    public static int readNBytes(InputStream in, byte[] b, int off, int len, Stack st) throws IOException {
        return orZero(io(in, st, () -> in.readNBytes(b, off, len)));
    }

    // DataInput calls: an ObjectInputStream's here, any other DataInput's through SocketStreams (coro's
    // DataInputStream) or the JDK

    private static boolean objIn(DataInput in, Stack st) {
        return Suspend.isResuming(st) ? in instanceof ObjIn : in instanceof ObjIn && st.task() != null;
    }

    public static void readFully(DataInput in, byte[] b, Stack st) throws IOException {
        if (objIn(in, st)) {
            io(in, st, () -> {
                in.readFully(b);
                return null;
            });
        } else {
            SocketStreams.readFully(in, b, st);
        }
    }

    public static void readFully(DataInput in, byte[] b, int off, int len, Stack st) throws IOException {
        if (objIn(in, st)) {
            io(in, st, () -> {
                in.readFully(b, off, len);
                return null;
            });
        } else {
            SocketStreams.readFully(in, b, off, len, st);
        }
    }

    public static int skipBytes(DataInput in, int n, Stack st) throws IOException {
        return objIn(in, st) ? orZero(io(in, st, () -> in.skipBytes(n))) : SocketStreams.skipBytes(in, n, st);
    }

    public static boolean readBoolean(DataInput in, Stack st) throws IOException {
        if (objIn(in, st)) {
            Boolean v = io(in, st, in::readBoolean);
            return v != null && v;
        }
        return SocketStreams.readBoolean(in, st);
    }

    public static byte readByte(DataInput in, Stack st) throws IOException {
        if (objIn(in, st)) {
            Byte v = io(in, st, in::readByte);
            return v == null ? 0 : v;
        }
        return SocketStreams.readByte(in, st);
    }

    public static int readUnsignedByte(DataInput in, Stack st) throws IOException {
        return objIn(in, st) ? orZero(io(in, st, in::readUnsignedByte)) : SocketStreams.readUnsignedByte(in, st);
    }

    public static short readShort(DataInput in, Stack st) throws IOException {
        if (objIn(in, st)) {
            Short v = io(in, st, in::readShort);
            return v == null ? 0 : v;
        }
        return SocketStreams.readShort(in, st);
    }

    public static int readUnsignedShort(DataInput in, Stack st) throws IOException {
        return objIn(in, st) ? orZero(io(in, st, in::readUnsignedShort)) : SocketStreams.readUnsignedShort(in, st);
    }

    public static char readChar(DataInput in, Stack st) throws IOException {
        if (objIn(in, st)) {
            Character v = io(in, st, in::readChar);
            return v == null ? 0 : v;
        }
        return SocketStreams.readChar(in, st);
    }

    public static int readInt(DataInput in, Stack st) throws IOException {
        return objIn(in, st) ? orZero(io(in, st, in::readInt)) : SocketStreams.readInt(in, st);
    }

    public static long readLong(DataInput in, Stack st) throws IOException {
        if (objIn(in, st)) {
            Long v = io(in, st, in::readLong);
            return v == null ? 0 : v;
        }
        return SocketStreams.readLong(in, st);
    }

    public static float readFloat(DataInput in, Stack st) throws IOException {
        if (objIn(in, st)) {
            Float v = io(in, st, in::readFloat);
            return v == null ? 0 : v;
        }
        return SocketStreams.readFloat(in, st);
    }

    public static double readDouble(DataInput in, Stack st) throws IOException {
        if (objIn(in, st)) {
            Double v = io(in, st, in::readDouble);
            return v == null ? 0 : v;
        }
        return SocketStreams.readDouble(in, st);
    }

    public static String readUTF(DataInput in, Stack st) throws IOException {
        return objIn(in, st) ? io(in, st, in::readUTF) : SocketStreams.readUTF(in, st);
    }

    public static String readLine(DataInput in, Stack st) throws IOException {
        return objIn(in, st) ? io(in, st, in::readLine) : SocketStreams.readLine(in, st);
    }

    // ---- ObjectOutputStream ----

    /** {@code new ObjectOutputStream(out)} around a cooperative stream: the JDK's, writing to coro's sink. */
    static final class ObjOut extends ObjectOutputStream implements CoopOutput {
        private final Sink sink;

        ObjOut(OutputStream out, Sink sink) throws IOException {
            super(out);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    public static ObjectOutputStream newObjectOutputStream(OutputStream out, Stack st) throws IOException {
        if (Suspend.isResuming(st)) {
            ObjOut o = (ObjOut) st.popA();
            ChannelStreams.coopWrite(o, () -> null, st); // sends the rest of the header (the call is not made again)
            if (Suspend.isSuspending(st)) {
                st.pushA(o);
                return null;
            }
            return o;
        }
        if (plain(st) || !SocketStreams.coop(out)) {
            return newObjectOutputStream(out);
        }
        OutputStream s = SocketStreams.stream(out);
        Sink sink = SocketStreams.sink(s);
        ObjOut[] made = new ObjOut[1];
        ChannelStreams.coopWrite(() -> sink, () -> {
            made[0] = new ObjOut(s, sink); // writes the header, which a peer's ObjectInputStream waits for
            return null;
        }, st);
        if (Suspend.isSuspending(st)) {
            st.pushA(made[0]);
            return null;
        }
        return made[0];
    }

    /** On a plain thread (or a call kept blocking): the JDK's constructor, marked around a cooperative stream. */
    public static ObjectOutputStream newObjectOutputStream(OutputStream out) throws IOException {
        if (!SocketStreams.coop(out)) {
            return new ObjectOutputStream(out);
        }
        OutputStream s = SocketStreams.stream(out);
        return new ObjOut(s, SocketStreams.sink(s));
    }

    @FunctionalInterface
    interface WriteCall {
        void run() throws IOException;
    }

    private static void write(Object out, WriteCall call, Stack st) throws IOException {
        if (out instanceof ObjOut && !plain(st)) {
            ChannelStreams.coopWrite((ObjOut) out, () -> {
                call.run();
                return null;
            }, st);
        } else {
            call.run();
        }
    }

    public static void writeObject(ObjectOutput out, Object obj, Stack st) throws IOException {
        write(out, () -> out.writeObject(obj), st);
    }

    public static void writeUnshared(ObjectOutputStream out, Object obj, Stack st) throws IOException {
        write(out, () -> out.writeUnshared(obj), st);
    }

    public static void reset(ObjectOutputStream out, Stack st) throws IOException {
        write(out, out::reset, st);
    }

    public static void write(ObjectOutput out, int b, Stack st) throws IOException {
        write(out, () -> out.write(b), st);
    }

    public static void write(ObjectOutput out, byte[] b, Stack st) throws IOException {
        write(out, () -> out.write(b), st);
    }

    public static void write(ObjectOutput out, byte[] b, int off, int len, Stack st) throws IOException {
        write(out, () -> out.write(b, off, len), st);
    }

    public static void flush(ObjectOutput out, Stack st) throws IOException {
        write(out, out::flush, st);
    }

    public static void close(ObjectOutput out, Stack st) throws IOException {
        write(out, out::close, st);
    }

    // ---- plain forms (a patched call kept blocking): the JDK's call ----

    public static Object readObject(ObjectInput in) throws IOException, ClassNotFoundException {
        return in.readObject();
    }

    public static Object readUnshared(ObjectInputStream in) throws IOException, ClassNotFoundException {
        return in.readUnshared();
    }

    public static int read(ObjectInput in) throws IOException {
        return in.read();
    }

    public static int read(ObjectInput in, byte[] b) throws IOException {
        return in.read(b);
    }

    public static int read(ObjectInput in, byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    public static long skip(ObjectInput in, long n) throws IOException {
        return in.skip(n);
    }

    public static byte[] readAllBytes(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    public static byte[] readNBytes(InputStream in, int len) throws IOException {
        return in.readNBytes(len);
    }

    public static int readNBytes(InputStream in, byte[] b, int off, int len) throws IOException {
        return in.readNBytes(b, off, len);
    }

    public static void readFully(DataInput in, byte[] b) throws IOException {
        SocketStreams.readFully(in, b);
    }

    public static void readFully(DataInput in, byte[] b, int off, int len) throws IOException {
        SocketStreams.readFully(in, b, off, len);
    }

    public static int skipBytes(DataInput in, int n) throws IOException {
        return SocketStreams.skipBytes(in, n);
    }

    public static boolean readBoolean(DataInput in) throws IOException {
        return SocketStreams.readBoolean(in);
    }

    public static byte readByte(DataInput in) throws IOException {
        return SocketStreams.readByte(in);
    }

    public static int readUnsignedByte(DataInput in) throws IOException {
        return SocketStreams.readUnsignedByte(in);
    }

    public static short readShort(DataInput in) throws IOException {
        return SocketStreams.readShort(in);
    }

    public static int readUnsignedShort(DataInput in) throws IOException {
        return SocketStreams.readUnsignedShort(in);
    }

    public static char readChar(DataInput in) throws IOException {
        return SocketStreams.readChar(in);
    }

    public static int readInt(DataInput in) throws IOException {
        return SocketStreams.readInt(in);
    }

    public static long readLong(DataInput in) throws IOException {
        return SocketStreams.readLong(in);
    }

    public static float readFloat(DataInput in) throws IOException {
        return SocketStreams.readFloat(in);
    }

    public static double readDouble(DataInput in) throws IOException {
        return SocketStreams.readDouble(in);
    }

    public static String readUTF(DataInput in) throws IOException {
        return SocketStreams.readUTF(in);
    }

    public static String readLine(DataInput in) throws IOException {
        return SocketStreams.readLine(in);
    }

    public static void writeObject(ObjectOutput out, Object obj) throws IOException {
        out.writeObject(obj);
    }

    public static void writeUnshared(ObjectOutputStream out, Object obj) throws IOException {
        out.writeUnshared(obj);
    }

    public static void reset(ObjectOutputStream out) throws IOException {
        out.reset();
    }

    public static void write(ObjectOutput out, int b) throws IOException {
        out.write(b);
    }

    public static void write(ObjectOutput out, byte[] b) throws IOException {
        out.write(b);
    }

    public static void write(ObjectOutput out, byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    public static void flush(ObjectOutput out) throws IOException {
        out.flush();
    }

    public static void close(ObjectOutput out) throws IOException {
        out.close();
    }
}
