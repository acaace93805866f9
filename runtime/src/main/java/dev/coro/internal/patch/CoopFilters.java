package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.patch.ChannelStreams.CoopOutput;
import dev.coro.internal.patch.ChannelStreams.Sink;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.concurrent.Callable;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import java.util.zip.Checksum;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import javax.crypto.Cipher;
import javax.crypto.CipherInputStream;
import javax.crypto.CipherOutputStream;

import static dev.coro.internal.patch.ChannelStreams.plain;

/**
 * The JDK's other filter streams around a coro socket's streams (group {@code sockets}): {@code GZIPInputStream},
 * {@code InflaterInputStream}, {@code CheckedInputStream}, {@code DigestInputStream}, {@code CipherInputStream} and
 * their output twins.
 * <p>
 * <b>Input.</b> An inflater, a digest or a cipher consumes what it reads: a read that finds nothing yet cannot be
 * rolled back and replayed as coro's own wrappers' are. So, as {@link CoopObjects}' {@code ObjectInputStream}:
 * such a stream made at a patched call site around a cooperative stream ({@link CoopObjects#coop}: a coro socket's
 * stream, one of coro's wrappers, a stream coro offloads) or around another of these is the JDK's class under a
 * marked final subclass (same constructors, same state, same messages), and in a coroutine its {@code read},
 * {@code readNBytes}, {@code readAllBytes}, {@code skip} and {@code transferTo} at patched call sites (typed as the
 * filter class, as {@code FilterInputStream} or as {@code InputStream}) run on a worker of
 * {@link CoopObjects#EXECUTOR} while the task suspends, where the socket's stream blocks as on a plain thread (its
 * {@code SO_TIMEOUT}, EOF, "Socket closed" when another task closes it). {@code new GZIPInputStream(in)}, whose
 * constructor reads the header, is itself offloaded ({@code ZipException: Not in GZIP format} is the JDK's). The
 * cost is one thread hand-off per call. For every other stream, the calls' twins pay a class-identity check
 * ({@link #is}). One call at a time is handed over: two tasks must not read one stream at once.
 * <p>
 * Nesting: a {@code BufferedInputStream}, {@code InputStreamReader} or {@code Scanner} or {@code ObjectInputStream}
 * made around one of these is marked (offloaded) in turn, and so is a {@code BufferedReader} around such an
 * {@code InputStreamReader}: {@code new BufferedReader(new InputStreamReader(new GZIPInputStream(in)))} reads its
 * lines on a worker. Other wrappers around them ({@code DataInputStream}, {@code PushbackInputStream},
 * {@code LineNumberReader}, a filter class of a library) are the JDK's and block the loop when they wait (reported).
 * <p>
 * <b>Output.</b> Deflating, digesting and ciphering never wait: as coro's {@code ObjectOutputStream}, the output
 * filters around a cooperative stream are marked subclasses over coro's {@link Sink} for that stream; their
 * constructor ({@code GZIPOutputStream} writes its header), {@code write}, {@code flush}, {@code finish} and
 * {@code close} at patched call sites run the JDK's code on the loop thread with a sink that never waits; what the
 * socket does not take at once is sent while the task suspends before the call returns. No thread is involved.
 * <p>
 * On a plain thread every call is the JDK's.
 */
public final class CoopFilters {
    private CoopFilters() {
    }

    // ---- input: marked subclasses, each constructor the JDK's ----

    static final class GzIn extends GZIPInputStream {
        GzIn(InputStream in) throws IOException {
            super(in);
        }

        GzIn(InputStream in, int size) throws IOException {
            super(in, size);
        }
    }

    static final class InflIn extends InflaterInputStream {
        InflIn(InputStream in) {
            super(in);
        }

        InflIn(InputStream in, Inflater inf) {
            super(in, inf);
        }

        InflIn(InputStream in, Inflater inf, int size) {
            super(in, inf, size);
        }
    }

    static final class CheckedIn extends CheckedInputStream {
        CheckedIn(InputStream in, Checksum ck) {
            super(in, ck);
        }
    }

    static final class DigestIn extends DigestInputStream {
        DigestIn(InputStream in, MessageDigest md) {
            super(in, md);
        }
    }

    static final class CipherIn extends CipherInputStream {
        CipherIn(InputStream in, Cipher c) {
            super(in, c);
        }
    }

    /** A {@code BufferedInputStream} around one of these: offloaded as they are. */
    static final class BufIn extends BufferedInputStream {
        BufIn(InputStream in) {
            super(in);
        }

        BufIn(InputStream in, int size) {
            super(in, size);
        }
    }

    /** A reader whose calls at patched call sites run on {@link CoopObjects#EXECUTOR} (not the blocking pool). */
    interface Peer extends PatchedFileText.Offloaded {
    }

    static final class PeerReader extends InputStreamReader implements Peer {
        PeerReader(InputStream in) {
            super(in);
        }

        PeerReader(InputStream in, Charset cs) {
            super(in, cs);
        }

        PeerReader(InputStream in, String cs) throws UnsupportedEncodingException {
            super(in, cs);
        }

        PeerReader(InputStream in, CharsetDecoder dec) {
            super(in, dec);
        }
    }

    static final class PeerBufferedReader extends BufferedReader implements Peer {
        PeerBufferedReader(Reader in) {
            super(in);
        }

        PeerBufferedReader(Reader in, int size) {
            super(in, size);
        }
    }

    /**
     * A marked view of a reader the JDK made and keeps ({@code Process.inputReader()}, which hands out the same
     * reader every time): every call goes to that reader, with no buffer of its own, so views taken at different
     * times never split its text between them.
     */
    static final class PeerView extends BufferedReader implements Peer {
        private final BufferedReader jdk;

        PeerView(BufferedReader jdk) {
            super(jdk, 1);
            this.jdk = jdk;
        }

        @Override
        public int read() throws IOException {
            return jdk.read();
        }

        @Override
        public int read(char[] cbuf, int off, int len) throws IOException {
            return jdk.read(cbuf, off, len);
        }

        @Override
        public String readLine() throws IOException {
            return jdk.readLine();
        }

        @Override
        public long skip(long n) throws IOException {
            return jdk.skip(n);
        }

        @Override
        public boolean ready() throws IOException {
            return jdk.ready();
        }

        @Override
        public boolean markSupported() {
            return jdk.markSupported();
        }

        @Override
        public void mark(int readAheadLimit) throws IOException {
            jdk.mark(readAheadLimit);
        }

        @Override
        public void reset() throws IOException {
            jdk.reset();
        }

        @Override
        public void close() throws IOException {
            jdk.close();
        }
    }

    /**
     * Whether {@code in} is one of the offloaded input filters: a class-identity check only (no type-hierarchy
     * walk, no lookup), so the twins of {@code InputStream}'s calls stay cheap for every other stream.
     */
    static boolean is(InputStream in) {
        if (in == null) {
            return false;
        }
        Class<?> c = in.getClass();
        return c == GzIn.class || c == BufIn.class || c == CheckedIn.class || c == InflIn.class
                || c == DigestIn.class || c == CipherIn.class;
    }

    /** Whether a call on {@code in} is to run on a worker: one of these, in a coroutine (or resuming there). */
    static boolean offloads(InputStream in, Stack st) {
        return is(in) && !plain(st);
    }

    /** Whether a call on reader {@code r} is to run on a worker: a marked reader over these, in a coroutine. */
    static boolean offloads(Reader r, Stack st) {
        return r instanceof Peer && !plain(st);
    }

    /** Whether a filter made around {@code in} is to be marked: around a cooperative or offloaded stream. */
    private static boolean qualifies(InputStream in) {
        return CoopObjects.coop(in);
    }

    /** Runs {@code call} on a worker while the task suspends (null while suspending; the result on resume). */
    @SuppressWarnings("unchecked")
    static <T> T run(Stack st, Callable<T> call) throws IOException {
        try {
            return (T) CoopObjects.offload(st, Suspend.isResuming(st) ? null : call);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e); // no filter's call resolves classes
        }
    }

    static int runInt(Stack st, Callable<Integer> call) throws IOException {
        Integer v = run(st, call);
        return v == null ? 0 : v; // null: suspending, the value is not used
    }

    static long runLong(Stack st, Callable<Long> call) throws IOException {
        Long v = run(st, call);
        return v == null ? 0 : v;
    }

    // ---- input constructors ----

    public static GZIPInputStream newGZIPInputStream(InputStream in, Stack st) throws IOException {
        if (plain(st)) {
            return newGZIPInputStream(in);
        }
        if (!Suspend.isResuming(st) && !qualifies(in)) {
            return new GZIPInputStream(in);
        }
        return run(st, () -> new GzIn(in)); // the constructor reads the header
    }

    public static GZIPInputStream newGZIPInputStream(InputStream in, int size, Stack st) throws IOException {
        if (plain(st)) {
            return newGZIPInputStream(in, size);
        }
        if (!Suspend.isResuming(st) && !qualifies(in)) {
            return new GZIPInputStream(in, size);
        }
        return run(st, () -> new GzIn(in, size));
    }

    public static GZIPInputStream newGZIPInputStream(InputStream in) throws IOException {
        return qualifies(in) ? new GzIn(in) : new GZIPInputStream(in);
    }

    public static GZIPInputStream newGZIPInputStream(InputStream in, int size) throws IOException {
        return qualifies(in) ? new GzIn(in, size) : new GZIPInputStream(in, size);
    }

    public static InflaterInputStream newInflaterInputStream(InputStream in) {
        return qualifies(in) ? new InflIn(in) : new InflaterInputStream(in);
    }

    public static InflaterInputStream newInflaterInputStream(InputStream in, Inflater inf) {
        return qualifies(in) ? new InflIn(in, inf) : new InflaterInputStream(in, inf);
    }

    public static InflaterInputStream newInflaterInputStream(InputStream in, Inflater inf, int size) {
        return qualifies(in) ? new InflIn(in, inf, size) : new InflaterInputStream(in, inf, size);
    }

    public static CheckedInputStream newCheckedInputStream(InputStream in, Checksum ck) {
        return qualifies(in) ? new CheckedIn(in, ck) : new CheckedInputStream(in, ck);
    }

    public static DigestInputStream newDigestInputStream(InputStream in, MessageDigest md) {
        return qualifies(in) ? new DigestIn(in, md) : new DigestInputStream(in, md);
    }

    public static CipherInputStream newCipherInputStream(InputStream in, Cipher c) {
        return qualifies(in) ? new CipherIn(in, c) : new CipherInputStream(in, c);
    }

    // ---- output: marked subclasses over coro's sink ----

    static final class GzOut extends GZIPOutputStream implements CoopOutput {
        private final Sink sink;

        GzOut(OutputStream out, Sink sink, int size, boolean syncFlush) throws IOException {
            super(out, size, syncFlush); // what the JDK's other constructors call, with 512 and false by default
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    static final class DeflOut extends DeflaterOutputStream implements CoopOutput {
        private final Sink sink;

        DeflOut(OutputStream out, Sink sink) {
            super(out);
            this.sink = sink;
        }

        DeflOut(OutputStream out, Sink sink, boolean syncFlush) {
            super(out, syncFlush);
            this.sink = sink;
        }

        DeflOut(OutputStream out, Sink sink, Deflater def) {
            super(out, def);
            this.sink = sink;
        }

        DeflOut(OutputStream out, Sink sink, Deflater def, boolean syncFlush) {
            super(out, def, syncFlush);
            this.sink = sink;
        }

        DeflOut(OutputStream out, Sink sink, Deflater def, int size) {
            super(out, def, size);
            this.sink = sink;
        }

        DeflOut(OutputStream out, Sink sink, Deflater def, int size, boolean syncFlush) {
            super(out, def, size, syncFlush);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    static final class CheckedOut extends CheckedOutputStream implements CoopOutput {
        private final Sink sink;

        CheckedOut(OutputStream out, Sink sink, Checksum ck) {
            super(out, ck);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    static final class DigestOut extends DigestOutputStream implements CoopOutput {
        private final Sink sink;

        DigestOut(OutputStream out, Sink sink, MessageDigest md) {
            super(out, md);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    static final class CipherOut extends CipherOutputStream implements CoopOutput {
        private final Sink sink;

        CipherOut(OutputStream out, Sink sink, Cipher c) {
            super(out, c);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    // ---- output constructors ----

    @FunctionalInterface
    private interface GzMaker {
        GZIPOutputStream make(OutputStream s, Sink sink) throws IOException;
    }

    /** {@code new GZIPOutputStream(...)}: its header goes out through the sink while the task suspends. */
    private static GZIPOutputStream gzip(OutputStream out, GzMaker marked, Stack st) throws IOException {
        if (Suspend.isResuming(st)) {
            GzOut o = (GzOut) st.popA();
            ChannelStreams.coopWrite(o, () -> null, st); // sends the rest of the header (not made again)
            if (Suspend.isSuspending(st)) {
                st.pushA(o);
                return null;
            }
            return o;
        }
        if (plain(st) || !SocketStreams.coop(out)) {
            return null; // the caller makes the plain one
        }
        OutputStream s = SocketStreams.stream(out);
        Sink sink = SocketStreams.sink(s);
        GZIPOutputStream[] made = new GZIPOutputStream[1];
        ChannelStreams.coopWrite(() -> sink, () -> {
            made[0] = marked.make(s, sink); // writes the header
            return null;
        }, st);
        if (Suspend.isSuspending(st)) {
            st.pushA(made[0]);
            return null;
        }
        return made[0];
    }

    public static GZIPOutputStream newGZIPOutputStream(OutputStream out, Stack st) throws IOException {
        GZIPOutputStream o = gzip(out, (s, sink) -> new GzOut(s, sink, 512, false), st);
        return o != null || Suspend.isSuspending(st) ? o : newGZIPOutputStream(out);
    }

    public static GZIPOutputStream newGZIPOutputStream(OutputStream out, int size, Stack st) throws IOException {
        GZIPOutputStream o = gzip(out, (s, sink) -> new GzOut(s, sink, size, false), st);
        return o != null || Suspend.isSuspending(st) ? o : newGZIPOutputStream(out, size);
    }

    public static GZIPOutputStream newGZIPOutputStream(OutputStream out, boolean syncFlush, Stack st)
            throws IOException {
        GZIPOutputStream o = gzip(out, (s, sink) -> new GzOut(s, sink, 512, syncFlush), st);
        return o != null || Suspend.isSuspending(st) ? o : newGZIPOutputStream(out, syncFlush);
    }

    public static GZIPOutputStream newGZIPOutputStream(OutputStream out, int size, boolean syncFlush, Stack st)
            throws IOException {
        GZIPOutputStream o = gzip(out, (s, sink) -> new GzOut(s, sink, size, syncFlush), st);
        return o != null || Suspend.isSuspending(st) ? o : newGZIPOutputStream(out, size, syncFlush);
    }

    /** On a plain thread (or a call kept blocking): the JDK's constructor, marked around a cooperative stream. */
    public static GZIPOutputStream newGZIPOutputStream(OutputStream out) throws IOException {
        return newGZIPOutputStream(out, 512, false);
    }

    public static GZIPOutputStream newGZIPOutputStream(OutputStream out, int size) throws IOException {
        return newGZIPOutputStream(out, size, false);
    }

    public static GZIPOutputStream newGZIPOutputStream(OutputStream out, boolean syncFlush) throws IOException {
        return newGZIPOutputStream(out, 512, syncFlush);
    }

    public static GZIPOutputStream newGZIPOutputStream(OutputStream out, int size, boolean syncFlush)
            throws IOException {
        if (!SocketStreams.coop(out)) {
            return new GZIPOutputStream(out, size, syncFlush);
        }
        OutputStream s = SocketStreams.stream(out);
        return new GzOut(s, SocketStreams.sink(s), size, syncFlush);
    }

    public static DeflaterOutputStream newDeflaterOutputStream(OutputStream out) {
        if (!SocketStreams.coop(out)) {
            return new DeflaterOutputStream(out);
        }
        OutputStream s = SocketStreams.stream(out);
        return new DeflOut(s, SocketStreams.sink(s));
    }

    public static DeflaterOutputStream newDeflaterOutputStream(OutputStream out, boolean syncFlush) {
        if (!SocketStreams.coop(out)) {
            return new DeflaterOutputStream(out, syncFlush);
        }
        OutputStream s = SocketStreams.stream(out);
        return new DeflOut(s, SocketStreams.sink(s), syncFlush);
    }

    public static DeflaterOutputStream newDeflaterOutputStream(OutputStream out, Deflater def) {
        if (!SocketStreams.coop(out)) {
            return new DeflaterOutputStream(out, def);
        }
        OutputStream s = SocketStreams.stream(out);
        return new DeflOut(s, SocketStreams.sink(s), def);
    }

    public static DeflaterOutputStream newDeflaterOutputStream(OutputStream out, Deflater def, boolean syncFlush) {
        if (!SocketStreams.coop(out)) {
            return new DeflaterOutputStream(out, def, syncFlush);
        }
        OutputStream s = SocketStreams.stream(out);
        return new DeflOut(s, SocketStreams.sink(s), def, syncFlush);
    }

    public static DeflaterOutputStream newDeflaterOutputStream(OutputStream out, Deflater def, int size) {
        if (!SocketStreams.coop(out)) {
            return new DeflaterOutputStream(out, def, size);
        }
        OutputStream s = SocketStreams.stream(out);
        return new DeflOut(s, SocketStreams.sink(s), def, size);
    }

    public static DeflaterOutputStream newDeflaterOutputStream(OutputStream out, Deflater def, int size,
            boolean syncFlush) {
        if (!SocketStreams.coop(out)) {
            return new DeflaterOutputStream(out, def, size, syncFlush);
        }
        OutputStream s = SocketStreams.stream(out);
        return new DeflOut(s, SocketStreams.sink(s), def, size, syncFlush);
    }

    public static CheckedOutputStream newCheckedOutputStream(OutputStream out, Checksum ck) {
        if (!SocketStreams.coop(out)) {
            return new CheckedOutputStream(out, ck);
        }
        OutputStream s = SocketStreams.stream(out);
        return new CheckedOut(s, SocketStreams.sink(s), ck);
    }

    public static DigestOutputStream newDigestOutputStream(OutputStream out, MessageDigest md) {
        if (!SocketStreams.coop(out)) {
            return new DigestOutputStream(out, md);
        }
        OutputStream s = SocketStreams.stream(out);
        return new DigestOut(s, SocketStreams.sink(s), md);
    }

    public static CipherOutputStream newCipherOutputStream(OutputStream out, Cipher c) {
        if (!SocketStreams.coop(out)) {
            return new CipherOutputStream(out, c);
        }
        OutputStream s = SocketStreams.stream(out);
        return new CipherOut(s, SocketStreams.sink(s), c);
    }

    /** {@code finish()}: the JDK's, through the sink, on a marked stream in a coroutine. */
    public static void finish(DeflaterOutputStream out, Stack st) throws IOException {
        if (out instanceof CoopOutput && !plain(st)) {
            ChannelStreams.coopWrite((CoopOutput) out, () -> {
                out.finish();
                return null;
            }, st);
        } else {
            out.finish();
        }
    }

    public static void finish(DeflaterOutputStream out) throws IOException {
        out.finish();
    }
}
