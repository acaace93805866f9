package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.net.CoInputStream;
import dev.coro.internal.net.CoOutputStream;
import dev.coro.internal.net.CoSSLSocket;
import dev.coro.internal.net.SocketInput;
import dev.coro.internal.net.SocketOutput;
import dev.coro.internal.patch.ChannelStreams.ChannelReader;
import dev.coro.internal.patch.ChannelStreams.ChannelWriter;
import dev.coro.internal.patch.ChannelStreams.CoopInput;
import dev.coro.internal.patch.ChannelStreams.CoopOutput;
import dev.coro.internal.patch.ChannelStreams.IoCall;
import dev.coro.internal.patch.ChannelStreams.LineWriter;
import dev.coro.internal.patch.ChannelStreams.Sink;
import dev.coro.internal.patch.ChannelStreams.Source;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.PushbackInputStream;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.UnsupportedEncodingException;
import java.io.Writer;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

import static dev.coro.internal.patch.ChannelStreams.orZero;
import static dev.coro.internal.patch.ChannelStreams.plain;

/**
 * The classic socket idiom in rewritten code (group {@code sockets}): {@code new InputStreamReader},
 * {@code OutputStreamWriter}, {@code BufferedInputStream}, {@code BufferedOutputStream}, {@code DataInputStream},
 * {@code DataOutputStream}, {@code PrintWriter} and {@code PrintStream} around a coro socket's stream ({@link CoInputStream},
 * {@link CoOutputStream}; a TLS socket's {@link CoSSLSocket.In}, {@link CoSSLSocket.Out}: any {@link SocketInput} or
 * {@link SocketOutput}), around a blocking socket channel's stream ({@code Channels.newInputStream/newOutputStream}
 * in rewritten code: {@link ChannelStreams.In}/{@link ChannelStreams.Out}, themselves the innermost {@link Source}
 * and {@link Sink}), or around one of the objects these make, give marked subclasses of the JDK's classes;
 * around anything else, the JDK's own object. The JDK's code does the work, over an innermost stream that, while a
 * coroutine's patched call runs, never waits: a read that finds nothing throws {@link ChannelStreams#WOULD_BLOCK}
 * (the JDK's decoder and {@code BufferedInputStream} read only when they have nothing to give, so nothing is lost),
 * and the call waits for readability and runs again; a write sends what the socket takes and keeps the rest, which
 * the call sends while suspending. So values, EOF, exception classes and messages are the JDK's, and so are
 * {@code PrintWriter}'s and {@code PrintStream}'s swallowed {@code IOException}s ({@code checkError()}) and
 * autoflush. The readers and writers
 * are {@link ChannelStreams}' (their {@code read}, {@code readLine}, {@code write}, ... twins are PatchedFileText's).
 * <p>
 * {@code DataInputStream}'s multi-byte reads are the JDK's final methods, which may read several times: in a
 * coroutine they are coro's ({@link Pushback}): the bytes of a primitive (or of a {@code readUTF} string) are
 * gathered in the object until they are all there, then decoded as the JDK decodes them; {@code readFully} keeps
 * how far it got on the coroutine's stack (its bytes are in the caller's array already). A task that suspends in
 * the middle of such a unit leaves the object consistent: another task's read takes the bytes in order, and each
 * unit (a line, a primitive, a UTF string) is delivered whole to one reader, as the JDK's lock would; two tasks
 * calling {@code readFully} at once share the bytes, as two threads would with the JDK's unsynchronized method.
 * <p>
 * Off a coroutine (a plain thread, a call that is not a patched call site) the objects block as the JDK's do.
 */
public final class SocketStreams {
    private SocketStreams() {
    }

    // ---- the innermost streams ----

    /** A coro socket's input (plain or TLS) as coro's wrappers read it. */
    static final class SocketIn extends Source {
        final SocketInput co;

        SocketIn(SocketInput co) {
            this.co = co;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (coop == null) {
                return co.read(b, off, len); // the blocking read, SO_TIMEOUT included
            }
            int n = co.readNow(b, off, len, coop);
            if (n != 0) {
                timedOut = false;
                return n;
            }
            if (timedOut) {
                timedOut = false;
                throw new SocketTimeoutException("Read timed out"); // as the socket's own read
            }
            throw ChannelStreams.WOULD_BLOCK;
        }

        @Override
        public long skip(long n) throws IOException {
            if (coop == null || n <= 0) {
                return co.skip(n);
            }
            byte[] scratch = new byte[(int) Math.min(n, 2048)];
            int k = read(scratch, 0, scratch.length); // one read: a second one that found nothing would lose this
            return k < 0 ? 0 : k;
        }

        @Override
        boolean awaitReadable(Stack st) throws IOException {
            int r = co.awaitReadable(st);
            if (r == 0) {
                return false;
            }
            timedOut = r < 0;
            return true;
        }

        @Override
        public int available() throws IOException {
            return coop != null ? 0 : co.available(); // JDK code in a coroutine reads only when it has nothing
        }

        @Override
        public void close() throws IOException {
            co.close();
        }
    }

    /**
     * A coro socket's output (plain or TLS) as coro's wrappers write it: one per socket stream, shared by all of
     * them.
     */
    static final class SocketOut extends Sink {
        final SocketOutput co;

        SocketOut(SocketOutput co) {
            this.co = co;
        }

        @Override
        void writeNow(ByteBuffer bb, Stack st) throws IOException {
            int n = co.writeNow(bb.array(), bb.arrayOffset() + bb.position(), bb.remaining(), st);
            bb.position(bb.position() + n);
        }

        @Override
        boolean unsentBelow() {
            return co.holdsUnsent();
        }

        @Override
        void writeAll(ByteBuffer bb) throws IOException {
            co.write(bb.array(), bb.arrayOffset() + bb.position(), bb.remaining());
            bb.position(bb.limit());
        }

        @Override
        void send(ByteBuffer bb, Stack st) throws IOException {
            if (Suspend.isResuming(st)) {
                co.awaitWritable(st); // ends the wait
            }
            for (;;) {
                boolean moved;
                if (bb.hasRemaining()) {
                    int before = bb.position();
                    writeNow(bb, st);
                    moved = bb.position() != before;
                } else if (co.flushNow(st)) {
                    return; // every byte is in the kernel's buffer (a TLS record too)
                } else {
                    moved = false;
                }
                if (!moved && !co.awaitWritable(st)) {
                    return; // suspending: called again on resume
                }
            }
        }

        @Override
        void closeTarget() throws IOException {
            co.close();
        }
    }

    private static SocketOut sinkOf(SocketOutput co) {
        return (SocketOut) co.sink(SocketOut::new);
    }

    /**
     * Whether wrapping {@code in} makes a cooperative object: a coro socket's stream, a socket channel's
     * ({@code Channels.newInputStream}: a {@link Source} itself), or a cooperative wrapper.
     */
    static boolean coop(InputStream in) {
        return in instanceof SocketInput || in instanceof ChannelStreams.In || in instanceof CoopInput;
    }

    static boolean coop(OutputStream out) {
        // not around coro's PrintStream: it swallows its stream's errors, a wrapper's failed send would not
        return out instanceof SocketOutput || out instanceof ChannelStreams.Out
                || out instanceof CoopOutput && !(out instanceof PrintStream);
    }

    /** The stream a wrapper reads: coro's view of a socket stream, or the cooperative wrapper itself. */
    private static InputStream stream(InputStream in) {
        return in instanceof SocketInput ? new SocketIn((SocketInput) in) : in;
    }

    private static Source source(InputStream stream) {
        return ((CoopInput) stream).source();
    }

    static OutputStream stream(OutputStream out) {
        return out instanceof SocketOutput ? sinkOf((SocketOutput) out) : out;
    }

    static Sink sink(Object stream) {
        return stream instanceof Sink ? (Sink) stream : ((CoopOutput) stream).sink();
    }

    private static Source sourceOf(InputStream stream) {
        return stream instanceof Source ? (Source) stream : source(stream);
    }

    // ---- the marked wrappers ----

    /** {@code new BufferedInputStream(in)} around a cooperative stream: the JDK's. */
    static final class BufferedIn extends BufferedInputStream implements CoopInput {
        private final Source src;

        BufferedIn(InputStream in, Source src) {
            super(in);
            this.src = src;
        }

        BufferedIn(InputStream in, int size, Source src) {
            super(in, size);
            this.src = src;
        }

        @Override
        public Source source() {
            return src;
        }
    }

    /**
     * What a {@link DataIn} reads: the bytes a coroutine's unfinished multi-byte read took from the stream below
     * (a primitive, a UTF string), first, then that stream. The JDK's final methods read through it too.
     */
    static final class Pushback extends InputStream {
        final InputStream under;
        final Source src;
        private byte[] pb = new byte[16];
        private int pbLen;
        /**
         * The JDK's {@code readLine}, after a line ended by a {@code \r} and another byte, reads through a
         * {@code PushbackInputStream} it put in front of the stream: a coroutine's {@link #line} sets this, and this
         * stream then closes, fails after close and refuses mark/reset as that one would.
         */
        private boolean jdkPushback;
        private boolean closed;

        Pushback(InputStream under, Source src) {
            this.under = under;
            this.src = src;
        }

        private void ensureOpen() throws IOException {
            if (closed) {
                throw new IOException("Stream closed"); // as the JDK's PushbackInputStream
            }
        }

        @Override
        public int read() throws IOException {
            ensureOpen();
            if (pbLen > 0) {
                int b = pb[0] & 0xff;
                drop(1);
                return b;
            }
            return under.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            ensureOpen();
            if (pbLen == 0) {
                return under.read(b, off, len); // the checks of the stream below, as the JDK's
            }
            Objects.checkFromIndexSize(off, len, b.length);
            int n = Math.min(len, pbLen);
            System.arraycopy(pb, 0, b, off, n);
            drop(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            ensureOpen();
            if (pbLen == 0 || n <= 0) {
                return under.skip(n);
            }
            int k = (int) Math.min(n, pbLen);
            drop(k);
            return k;
        }

        @Override
        public int available() throws IOException {
            ensureOpen();
            int a = under.available();
            return a > Integer.MAX_VALUE - pbLen ? Integer.MAX_VALUE : a + pbLen;
        }

        @Override
        public boolean markSupported() {
            return !jdkPushback && under.markSupported();
        }

        @Override
        public synchronized void mark(int readlimit) {
            if (!jdkPushback) {
                under.mark(readlimit);
            }
        }

        @Override
        public synchronized void reset() throws IOException {
            if (jdkPushback) {
                throw new IOException("mark/reset not supported");
            }
            under.reset();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            under.close();
            closed = jdkPushback;
        }

        private void drop(int n) {
            System.arraycopy(pb, n, pb, 0, pbLen - n);
            pbLen -= n;
        }

        /** The first {@code n} bytes kept, taken. */
        byte[] take(int n) {
            byte[] r = Arrays.copyOf(pb, n);
            drop(n);
            return r;
        }

        long takeLong(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 8) | (pb[i] & 0xff);
            }
            drop(n);
            return v;
        }

        /**
         * Gathers {@code fixed} bytes (-1: a {@code readUTF} string, its length and its bytes) for a coroutine:
         * true once they are all kept, false with {@code st} suspending (called again on resume; what was kept
         * stays). At EOF, as the JDK's: what was gathered is gone and {@link EOFException} is thrown.
         */
        boolean fill(int fixed, Stack st) throws IOException {
            if (Suspend.isResuming(st)) {
                src.awaitReadable(st); // ends the wait
            } else {
                ensureOpen();
            }
            try {
                for (;;) {
                    int need = fixed >= 0 ? fixed : pbLen < 2 ? 2 : 2 + (((pb[0] & 0xff) << 8) | (pb[1] & 0xff));
                    if (pbLen >= need) {
                        return true;
                    }
                    if (pb.length < need) {
                        pb = Arrays.copyOf(pb, Math.max(need, pb.length * 2));
                    }
                    int at = pbLen;
                    int want = need - pbLen;
                    Integer n = ChannelStreams.readCoop(src, () -> under.read(pb, at, want), st);
                    if (n == null) {
                        return false;
                    }
                    if (n < 0) {
                        pbLen = 0;
                        throw new EOFException();
                    }
                    pbLen += n;
                }
            } finally {
                src.timedOut = false;
            }
        }

        /**
         * {@code DataInputStream.readLine} for a coroutine: the bytes of a line gathered here one by one, as the JDK
         * reads them, until its end ({@code \n}; {@code \r} and the byte after it, which is kept for the next read
         * unless it is {@code \n}; EOF), then the JDK's line: each byte a char (ISO-8859-1), null at EOF with
         * nothing read. Null with {@code st} suspending (called again on resume; what was gathered stays).
         */
        String line(Stack st) throws IOException {
            if (Suspend.isResuming(st)) {
                src.awaitReadable(st); // ends the wait
            } else {
                ensureOpen();
            }
            try {
                for (int i = 0;;) {
                    for (; i < pbLen; i++) {
                        int b = pb[i] & 0xff;
                        if (b == '\n') {
                            return lineOf(i, i + 1);
                        }
                        if (b == '\r') {
                            if (i + 1 < pbLen) {
                                boolean crlf = (pb[i + 1] & 0xff) == '\n';
                                jdkPushback |= !crlf; // the JDK's pushes the byte back
                                return lineOf(i, crlf ? i + 2 : i + 1);
                            }
                            break; // the byte after it decides
                        }
                    }
                    if (pbLen == pb.length) {
                        pb = Arrays.copyOf(pb, pb.length * 2);
                    }
                    int at = pbLen;
                    Integer n = ChannelStreams.readCoop(src, () -> under.read(pb, at, 1), st);
                    if (n == null) {
                        return null;
                    }
                    if (n < 0) { // EOF: the line so far ("" after a lone '\r'), or null if nothing
                        if (pbLen == 0) {
                            return null;
                        }
                        boolean cr = (pb[pbLen - 1] & 0xff) == '\r';
                        return lineOf(cr ? pbLen - 1 : pbLen, pbLen);
                    }
                    pbLen += n;
                }
            } finally {
                src.timedOut = false;
            }
        }

        private String lineOf(int len, int used) {
            char[] c = new char[len];
            for (int i = 0; i < len; i++) {
                c[i] = (char) (pb[i] & 0xff);
            }
            drop(used);
            return new String(c);
        }
    }

    /** {@code new DataInputStream(in)} around a cooperative stream: the JDK's, reading through a {@link Pushback}. */
    static final class DataIn extends DataInputStream implements CoopInput {
        final Pushback pin;

        DataIn(Pushback in) {
            super(in);
            this.pin = in;
        }

        /**
         * The {@link Pushback} the cooperative reads use, or null once the JDK's own {@code readLine} (a plain
         * call) put a {@code PushbackInputStream} in front of it: then only the JDK's reads see every byte.
         */
        Pushback coop() {
            return in == pin ? pin : null;
        }

        @Override
        public Source source() {
            return pin.src;
        }
    }

    /** {@code new BufferedOutputStream(out)} around a cooperative stream: the JDK's. */
    static final class BufferedOut extends BufferedOutputStream implements CoopOutput {
        private final Sink sink;

        BufferedOut(OutputStream out, Sink sink) {
            super(out);
            this.sink = sink;
        }

        BufferedOut(OutputStream out, int size, Sink sink) {
            super(out, size);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    /** {@code new DataOutputStream(out)} around a cooperative stream: the JDK's. */
    static final class DataOut extends DataOutputStream implements CoopOutput {
        private final Sink sink;

        DataOut(OutputStream out, Sink sink) {
            super(out);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }
    }

    /**
     * {@code new PrintWriter(...)} around a cooperative stream or writer: the JDK's; a send that fails after the
     * JDK's call returned sets its error flag, as the JDK's own write would have.
     */
    static final class PrintOut extends PrintWriter implements ChannelStreams.Text, CoopOutput {
        private final Sink sink;
        private final dev.coro.Lock taskLock = new dev.coro.Lock();

        PrintOut(Writer out, boolean autoFlush, Sink sink) {
            super(out, autoFlush);
            this.sink = sink;
        }

        @Override
        public dev.coro.Lock taskLock() {
            return taskLock;
        }

        @Override
        public Sink sink() {
            return sink;
        }

        @Override
        public void failed(IOException e) {
            if (e instanceof InterruptedIOException) {
                Thread.currentThread().interrupt();
            } else {
                setError();
            }
        }
    }

    /**
     * {@code new PrintStream(...)} around a cooperative stream: the JDK's (its text goes through the JDK's own
     * encoder and buffered writer into the stream below); a send that fails after the JDK's call returned sets its
     * error flag, as the JDK's own write would have.
     */
    static final class PrintStreamOut extends PrintStream implements CoopOutput {
        private final Sink sink;

        PrintStreamOut(OutputStream out, boolean autoFlush, Sink sink) {
            super(out, autoFlush);
            this.sink = sink;
        }

        PrintStreamOut(OutputStream out, boolean autoFlush, Charset cs, Sink sink) {
            super(out, autoFlush, cs);
            this.sink = sink;
        }

        PrintStreamOut(OutputStream out, boolean autoFlush, String encoding, Sink sink)
                throws UnsupportedEncodingException {
            super(out, autoFlush, encoding);
            this.sink = sink;
        }

        @Override
        public Sink sink() {
            return sink;
        }

        @Override
        public void failed(IOException e) {
            if (e instanceof InterruptedIOException) {
                Thread.currentThread().interrupt();
            } else {
                setError();
            }
        }
    }

    /**
     * The stream under a {@link PushbackIn}: the one below, except that while a coroutine's read has given
     * pushed-back bytes already ({@link #partial}) a socket with nothing yet adds none: the read returns the
     * pushed-back bytes without waiting (the JDK's waits for at least one more byte; a wait here would lose them,
     * or the chars a decoder above made of them).
     */
    static final class PushbackGuard extends InputStream {
        final InputStream under;
        boolean partial;

        PushbackGuard(InputStream under) {
            this.under = under;
        }

        @Override
        public int read() throws IOException {
            return under.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return under.read(b, off, len);
            } catch (ChannelStreams.WouldBlock nothingYet) {
                if (partial) {
                    return 0; // the JDK's read returns the pushed-back bytes
                }
                throw nothingYet;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return under.skip(n);
            } catch (ChannelStreams.WouldBlock nothingYet) {
                if (partial) {
                    return 0; // the JDK's skip counts the pushed-back bytes
                }
                throw nothingYet;
            }
        }

        @Override
        public int available() throws IOException {
            return under.available();
        }

        @Override
        public void close() throws IOException {
            under.close();
        }
    }

    /** {@code new PushbackInputStream(in)} around a cooperative stream: the JDK's, over a {@link PushbackGuard}. */
    static final class PushbackIn extends PushbackInputStream implements CoopInput {
        private final Source src;
        private final PushbackGuard guard;

        PushbackIn(PushbackGuard in, int size, Source src) {
            super(in, size);
            this.guard = in;
            this.src = src;
        }

        @Override
        public Source source() {
            return src;
        }

        @Override
        public long skip(long n) throws IOException {
            guard.partial = src.coop != null && buf != null && pos < buf.length;
            try {
                return super.skip(n);
            } finally {
                guard.partial = false;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            guard.partial = src.coop != null && buf != null && pos < buf.length;
            try {
                return super.read(b, off, len);
            } finally {
                guard.partial = false;
            }
        }

    }

    /** The reader under a {@link PushbackText}: as {@link PushbackGuard}, for chars. */
    static final class PushbackReaderGuard extends Reader {
        final Reader under;
        boolean partial;

        PushbackReaderGuard(Reader under) {
            this.under = under;
        }

        @Override
        public int read() throws IOException {
            return under.read();
        }

        @Override
        public int read(char[] c, int off, int len) throws IOException {
            try {
                return under.read(c, off, len);
            } catch (ChannelStreams.WouldBlock nothingYet) {
                if (partial) {
                    return 0;
                }
                throw nothingYet;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            return under.skip(n);
        }

        @Override
        public boolean ready() throws IOException {
            return under.ready();
        }

        @Override
        public boolean markSupported() {
            return under.markSupported();
        }

        @Override
        public void mark(int readAheadLimit) throws IOException {
            under.mark(readAheadLimit);
        }

        @Override
        public void reset() throws IOException {
            under.reset();
        }

        @Override
        public void close() throws IOException {
            under.close();
        }
    }

    /**
     * {@code new PushbackReader(r)} around a cooperative reader: the JDK's, over a {@link PushbackReaderGuard}; one
     * call at a time, as the readers it wraps.
     */
    static final class PushbackText extends PushbackReader implements ChannelStreams.Text, CoopInput {
        private final Source src;
        private final PushbackReaderGuard guard;
        private final dev.coro.Lock taskLock = new dev.coro.Lock();
        /** Pushed-back chars not read yet (the JDK's count is private). */
        private int pushed;

        PushbackText(PushbackReaderGuard in, int size, Source src) {
            super(in, size);
            this.guard = in;
            this.src = src;
        }

        @Override
        public Source source() {
            return src;
        }

        @Override
        public dev.coro.Lock taskLock() {
            return taskLock;
        }

        @Override
        public int read() throws IOException {
            return ChannelStreams.lockedPlain(this, () -> {
                synchronized (lock) {
                    int c = super.read();
                    if (c >= 0 && pushed > 0) {
                        pushed--;
                    }
                    return c;
                }
            });
        }

        @Override
        public int read(char[] c, int off, int len) throws IOException {
            return ChannelStreams.lockedPlain(this, () -> {
                synchronized (lock) {
                    guard.partial = src.coop != null && pushed > 0;
                    try {
                        int n = super.read(c, off, len);
                        pushed = Math.max(0, pushed - Math.max(n, 0));
                        return n;
                    } finally {
                        guard.partial = false;
                    }
                }
            });
        }

        @Override
        public void unread(int c) throws IOException {
            ChannelStreams.lockedPlain(this, () -> {
                synchronized (lock) {
                    super.unread(c);
                    pushed++;
                }
                return null;
            });
        }

        @Override
        public void unread(char[] cbuf, int off, int len) throws IOException {
            ChannelStreams.lockedPlain(this, () -> {
                synchronized (lock) {
                    super.unread(cbuf, off, len);
                    pushed += len;
                }
                return null;
            });
        }

        @Override
        public boolean ready() throws IOException {
            return ChannelStreams.lockedPlain(this, super::ready);
        }

        @Override
        public long skip(long n) throws IOException {
            return ChannelStreams.lockedPlain(this, () -> {
                synchronized (lock) {
                    long k = super.skip(n);
                    pushed = (int) Math.max(0, pushed - k);
                    return k;
                }
            });
        }
    }

    // ---- new ...(...) at patched call sites ----

    /**
     * A stream whose reader is to read on a worker: one of the offloaded filters, or a stream whose reads coro
     * offloads (a URL's, a child process's pipe): a reader made over it reads through JDK frames, which cannot
     * suspend.
     */
    private static boolean peer(InputStream in) {
        return CoopFilters.is(in) || in instanceof OffloadedInputStream;
    }

    public static InputStreamReader newInputStreamReader(InputStream in) {
        if (!coop(in)) {
            return peer(in) ? new CoopFilters.PeerReader(in) : new InputStreamReader(in);
        }
        InputStream s = stream(in);
        return new ChannelReader(s, sourceOf(s));
    }

    public static InputStreamReader newInputStreamReader(InputStream in, Charset cs) {
        if (!coop(in)) {
            return peer(in) ? new CoopFilters.PeerReader(in, cs) : new InputStreamReader(in, cs);
        }
        InputStream s = stream(in);
        return new ChannelReader(s, sourceOf(s), cs);
    }

    public static InputStreamReader newInputStreamReader(InputStream in, String csName)
            throws UnsupportedEncodingException {
        if (!coop(in)) {
            return peer(in) ? new CoopFilters.PeerReader(in, csName) : new InputStreamReader(in, csName);
        }
        InputStream s = stream(in);
        return new ChannelReader(s, sourceOf(s), csName);
    }

    public static InputStreamReader newInputStreamReader(InputStream in, CharsetDecoder dec) {
        if (!coop(in)) {
            return peer(in) ? new CoopFilters.PeerReader(in, dec) : new InputStreamReader(in, dec);
        }
        InputStream s = stream(in);
        return new ChannelReader(s, sourceOf(s), dec);
    }

    public static OutputStreamWriter newOutputStreamWriter(OutputStream out) {
        if (!coop(out)) {
            return new OutputStreamWriter(out);
        }
        OutputStream s = stream(out);
        return new ChannelWriter(s, sink(s));
    }

    public static OutputStreamWriter newOutputStreamWriter(OutputStream out, Charset cs) {
        if (!coop(out)) {
            return new OutputStreamWriter(out, cs);
        }
        OutputStream s = stream(out);
        return new ChannelWriter(s, sink(s), cs);
    }

    public static OutputStreamWriter newOutputStreamWriter(OutputStream out, String csName)
            throws UnsupportedEncodingException {
        if (!coop(out)) {
            return new OutputStreamWriter(out, csName);
        }
        OutputStream s = stream(out);
        return new ChannelWriter(s, sink(s), csName);
    }

    public static OutputStreamWriter newOutputStreamWriter(OutputStream out, CharsetEncoder enc) {
        if (!coop(out)) {
            return new OutputStreamWriter(out, enc);
        }
        OutputStream s = stream(out);
        return new ChannelWriter(s, sink(s), enc);
    }

    public static BufferedInputStream newBufferedInputStream(InputStream in) {
        if (!coop(in)) {
            return CoopFilters.is(in) ? new CoopFilters.BufIn(in) : new BufferedInputStream(in);
        }
        InputStream s = stream(in);
        return new BufferedIn(s, sourceOf(s));
    }

    public static BufferedInputStream newBufferedInputStream(InputStream in, int size) {
        if (!coop(in)) {
            return CoopFilters.is(in) ? new CoopFilters.BufIn(in, size) : new BufferedInputStream(in, size);
        }
        InputStream s = stream(in);
        return new BufferedIn(s, size, sourceOf(s));
    }

    public static DataInputStream newDataInputStream(InputStream in) {
        if (!coop(in)) {
            return new DataInputStream(in);
        }
        InputStream s = stream(in);
        return new DataIn(new Pushback(s, sourceOf(s)));
    }

    public static BufferedOutputStream newBufferedOutputStream(OutputStream out) {
        if (!coop(out)) {
            return new BufferedOutputStream(out);
        }
        OutputStream s = stream(out);
        return new BufferedOut(s, sink(s));
    }

    public static BufferedOutputStream newBufferedOutputStream(OutputStream out, int size) {
        if (!coop(out)) {
            return new BufferedOutputStream(out, size);
        }
        OutputStream s = stream(out);
        return new BufferedOut(s, size, sink(s));
    }

    public static DataOutputStream newDataOutputStream(OutputStream out) {
        if (!coop(out)) {
            return new DataOutputStream(out);
        }
        OutputStream s = stream(out);
        return new DataOut(s, sink(s));
    }

    public static PrintWriter newPrintWriter(Writer out) {
        return newPrintWriter(out, false);
    }

    public static PrintWriter newPrintWriter(Writer out, boolean autoFlush) {
        if (out instanceof CoopOutput) {
            return new PrintOut(out, autoFlush, ((CoopOutput) out).sink());
        }
        return new PrintWriter(out, autoFlush);
    }

    public static PrintWriter newPrintWriter(OutputStream out) {
        return newPrintWriter(out, false);
    }

    /** As the JDK's: a {@code BufferedWriter} around an {@code OutputStreamWriter} in the default charset. */
    public static PrintWriter newPrintWriter(OutputStream out, boolean autoFlush) {
        if (!coop(out)) {
            return new PrintWriter(out, autoFlush);
        }
        OutputStream s = stream(out);
        ChannelWriter w = new ChannelWriter(s, sink(s));
        return new PrintOut(new LineWriter(w), autoFlush, w.out);
    }

    public static PrintWriter newPrintWriter(OutputStream out, boolean autoFlush, Charset cs) {
        if (!coop(out)) {
            return new PrintWriter(out, autoFlush, cs);
        }
        OutputStream s = stream(out);
        ChannelWriter w = new ChannelWriter(s, sink(s), cs);
        return new PrintOut(new LineWriter(w), autoFlush, w.out);
    }

    public static PrintStream newPrintStream(OutputStream out) {
        return newPrintStream(out, false);
    }

    public static PrintStream newPrintStream(OutputStream out, boolean autoFlush) {
        if (!coop(out)) {
            return new PrintStream(out, autoFlush);
        }
        OutputStream s = stream(out);
        return new PrintStreamOut(s, autoFlush, sink(s));
    }

    public static PrintStream newPrintStream(OutputStream out, boolean autoFlush, String encoding)
            throws UnsupportedEncodingException {
        if (!coop(out)) {
            return new PrintStream(out, autoFlush, encoding);
        }
        OutputStream s = stream(out);
        return new PrintStreamOut(s, autoFlush, encoding, sink(s));
    }

    public static PrintStream newPrintStream(OutputStream out, boolean autoFlush, Charset cs) {
        if (!coop(out)) {
            return new PrintStream(out, autoFlush, cs);
        }
        OutputStream s = stream(out);
        return new PrintStreamOut(s, autoFlush, cs, sink(s));
    }

    public static PushbackInputStream newPushbackInputStream(InputStream in) {
        return newPushbackInputStream(in, 1);
    }

    public static PushbackInputStream newPushbackInputStream(InputStream in, int size) {
        if (!coop(in)) {
            return new PushbackInputStream(in, size);
        }
        InputStream s = stream(in);
        return new PushbackIn(new PushbackGuard(s), size, sourceOf(s));
    }

    public static PushbackReader newPushbackReader(Reader in) {
        return newPushbackReader(in, 1);
    }

    /** Around coro's readers (an {@code InputStreamReader}, a {@code BufferedReader}, ... of a coro socket). */
    public static PushbackReader newPushbackReader(Reader in, int size) {
        if (!(in instanceof ChannelStreams.Text && in instanceof CoopInput)) {
            return new PushbackReader(in, size);
        }
        return new PushbackText(new PushbackReaderGuard(in), size, ((CoopInput) in).source());
    }

    // ---- byte reads and writes of the wrappers (dispatched from PatchedNet's InputStream/OutputStream twins) ----

    static int read(InputStream in, Stack st) throws IOException {
        if (plain(st)) {
            return in.read();
        }
        return orZero(ChannelStreams.readCoop(((CoopInput) in).source(), in::read, st));
    }

    static int read(InputStream in, byte[] b, int off, int len, Stack st) throws IOException {
        if (plain(st)) {
            return in.read(b, off, len);
        }
        return orZero(ChannelStreams.readCoop(((CoopInput) in).source(), () -> in.read(b, off, len), st));
    }

    /** {@code readAllBytes}: keeps what it has read so far on the coroutine's stack while suspended. */
    static byte[] readAllBytes(InputStream in, Stack st) throws IOException {
        if (plain(st)) {
            return in.readAllBytes();
        }
        ByteArrayOutputStream acc;
        byte[] buf;
        if (Suspend.isResuming(st)) {
            buf = (byte[]) st.popA();
            acc = (ByteArrayOutputStream) st.popA();
        } else {
            acc = new ByteArrayOutputStream();
            buf = new byte[8192];
        }
        Source src = ((CoopInput) in).source();
        for (;;) {
            Integer n = ChannelStreams.readCoop(src, () -> in.read(buf, 0, buf.length), st);
            if (n == null) {
                st.pushA(acc);
                st.pushA(buf);
                return null;
            }
            if (n < 0) {
                return acc.toByteArray();
            }
            acc.write(buf, 0, n);
        }
    }

    /** {@code readNBytes(b, off, len)}: how far it got waits on the coroutine's stack. */
    public static int readNBytes(InputStream in, byte[] b, int off, int len, Stack st) throws IOException {
        if (!loops(in) || plain(st)) {
            return CoopFilters.offloads(in, st) ? CoopFilters.runInt(st, () -> in.readNBytes(b, off, len))
                    : in.readNBytes(b, off, len);
        }
        int done;
        if (Suspend.isResuming(st)) {
            done = st.popI();
        } else {
            Objects.checkFromIndexSize(off, len, b.length); // as the JDK's
            done = 0;
        }
        Source src = sourceOf(in);
        while (done < len) {
            int at = off + done;
            int want = len - done;
            Integer n = ChannelStreams.readCoop(src, () -> in.read(b, at, want), st);
            if (n == null) {
                st.pushI(done);
                return 0;
            }
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /** {@code readNBytes(len)}: what it has read so far waits on the coroutine's stack. */
    public static byte[] readNBytes(InputStream in, int len, Stack st) throws IOException {
        if (!loops(in) || plain(st)) {
            return CoopFilters.offloads(in, st) ? CoopFilters.run(st, () -> in.readNBytes(len)) : in.readNBytes(len);
        }
        ByteArrayOutputStream acc;
        byte[] buf;
        if (Suspend.isResuming(st)) {
            buf = (byte[]) st.popA();
            acc = (ByteArrayOutputStream) st.popA();
        } else {
            if (len < 0) {
                throw new IllegalArgumentException("len < 0"); // as the JDK's
            }
            acc = new ByteArrayOutputStream(Math.min(len, 8192));
            buf = new byte[Math.min(len, 8192)];
        }
        Source src = sourceOf(in);
        while (acc.size() < len) {
            int want = Math.min(buf.length, len - acc.size());
            Integer n = ChannelStreams.readCoop(src, () -> in.read(buf, 0, want), st);
            if (n == null) {
                st.pushA(acc);
                st.pushA(buf);
                return null;
            }
            if (n < 0) {
                break;
            }
            acc.write(buf, 0, n);
        }
        return acc.toByteArray();
    }

    /**
     * Whether a coroutine's {@code readNBytes}/{@code skip}/{@code transferTo} on {@code in} runs coro's loop: on coro's
     * wrappers, and on a socket channel's own stream ({@code Channels.newInputStream}).
     */
    private static boolean loops(InputStream in) {
        return in instanceof CoopInput || in instanceof ChannelStreams.In;
    }

    /** {@code skip(n)}: the wrapper's own skip (it may skip fewer), run again once the socket has something. */
    public static long skip(InputStream in, long n, Stack st) throws IOException {
        if (in instanceof ChannelStreams.In && !plain(st)) {
            return skipChannel((ChannelStreams.In) in, n, st);
        }
        if (!(in instanceof CoopInput) || plain(st)) {
            return CoopFilters.offloads(in, st) ? CoopFilters.runLong(st, () -> in.skip(n)) : in.skip(n);
        }
        Long k = ChannelStreams.readCoop(((CoopInput) in).source(), () -> in.skip(n), st);
        return k == null ? 0 : k;
    }

    /**
     * {@code transferTo(out)}: the JDK's loop of reads and writes, each read waiting for the socket and each write
     * sent through {@code out}'s own patched write (cooperative on coro's streams, the JDK's on anything else).
     */
    public static long transferTo(InputStream in, OutputStream out, Stack st) throws IOException {
        if (!loops(in) || plain(st)) {
            return CoopFilters.offloads(in, st) ? CoopFilters.runLong(st, () -> in.transferTo(out))
                    : in.transferTo(out);
        }
        long total;
        byte[] buf;
        int pending; // bytes read and not written yet, or -1
        if (Suspend.isResuming(st)) {
            pending = st.popI();
            total = st.popJ();
            buf = (byte[]) st.popA();
        } else {
            Objects.requireNonNull(out, "out");
            total = 0;
            buf = new byte[8192];
            pending = -1;
        }
        Source src = sourceOf(in);
        for (;;) {
            if (pending < 0) {
                Integer n = ChannelStreams.readCoop(src, () -> in.read(buf, 0, buf.length), st);
                if (n == null) {
                    st.pushA(buf);
                    st.pushJ(total);
                    st.pushI(-1);
                    return 0;
                }
                if (n < 0) {
                    return total;
                }
                pending = n;
            }
            PatchedNet.write(out, buf, 0, pending, st); // on resume: the same call again, it goes on
            if (Suspend.isSuspending(st)) {
                st.pushA(buf);
                st.pushJ(total);
                st.pushI(pending);
                return 0;
            }
            total += pending;
            pending = -1;
        }
    }

    /**
     * {@code skip(n)} of a socket channel's stream: as the JDK's ({@code InputStream.skip}), reads until {@code n}
     * bytes are skipped or EOF; how far it got waits on the coroutine's stack.
     */
    private static long skipChannel(ChannelStreams.In in, long n, Stack st) throws IOException {
        long done;
        if (Suspend.isResuming(st)) {
            done = st.popJ();
        } else {
            if (n <= 0) {
                return 0;
            }
            done = 0;
        }
        byte[] scratch = new byte[(int) Math.min(2048, n)];
        while (done < n) {
            int want = (int) Math.min(scratch.length, n - done);
            Integer k = ChannelStreams.readCoop(in, () -> in.read(scratch, 0, want), st);
            if (k == null) {
                st.pushJ(done);
                return 0;
            }
            if (k < 0) {
                break;
            }
            done += k;
        }
        return done;
    }

    public static int readNBytes(InputStream in, byte[] b, int off, int len) throws IOException {
        return in.readNBytes(b, off, len);
    }

    public static byte[] readNBytes(InputStream in, int len) throws IOException {
        return in.readNBytes(len);
    }

    public static long skip(InputStream in, long n) throws IOException {
        return in.skip(n);
    }

    public static long transferTo(InputStream in, OutputStream out) throws IOException {
        return in.transferTo(out);
    }

    private static void out(Object out, IoCall<Object> call, Stack st) throws IOException {
        if (out instanceof CoopOutput && !plain(st)) {
            ChannelStreams.coopWrite((CoopOutput) out, call, st);
        } else {
            call.call();
        }
    }

    static void write(OutputStream out, int b, Stack st) throws IOException {
        out(out, () -> {
            out.write(b);
            return null;
        }, st);
    }

    static void write(OutputStream out, byte[] b, int off, int len, Stack st) throws IOException {
        out(out, () -> {
            out.write(b, off, len);
            return null;
        }, st);
    }

    // ---- OutputStream.flush / close (every output stream's at patched call sites; others' are the JDK's) ----

    public static void flush(OutputStream out, Stack st) throws IOException {
        out(out, () -> {
            out.flush();
            return null;
        }, st);
    }

    public static void close(OutputStream out, Stack st) throws IOException {
        out(out, () -> {
            out.close();
            return null;
        }, st);
    }

    public static void flush(OutputStream out) throws IOException {
        out.flush();
    }

    public static void close(OutputStream out) throws IOException {
        out.close();
    }

    // ---- DataInput ----

    private static Pushback coopData(DataInput in, Stack st) {
        return in instanceof DataIn && !plain(st) ? ((DataIn) in).coop() : null;
    }

    public static void readFully(DataInput in, byte[] b, Stack st) throws IOException {
        if (coopData(in, st) == null) {
            in.readFully(b);
            return;
        }
        readFully(in, b, 0, b.length, st);
    }

    public static void readFully(DataInput in, byte[] b, int off, int len, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            in.readFully(b, off, len);
            return;
        }
        int done;
        if (Suspend.isResuming(st)) {
            done = st.popI();
        } else {
            Objects.checkFromIndexSize(off, len, b.length); // as the JDK's
            done = 0;
        }
        while (done < len) {
            int at = off + done;
            int want = len - done;
            Integer n = ChannelStreams.readCoop(p.src, () -> p.read(b, at, want), st);
            if (n == null) {
                st.pushI(done);
                return;
            }
            if (n < 0) {
                throw new EOFException();
            }
            done += n;
        }
    }

    public static int skipBytes(DataInput in, int n, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.skipBytes(n);
        }
        int total = Suspend.isResuming(st) ? st.popI() : 0;
        while (total < n) {
            long want = n - total;
            Long k = ChannelStreams.readCoop(p.src, () -> p.skip(want), st);
            if (k == null) {
                st.pushI(total);
                return 0;
            }
            if (k <= 0) {
                break;
            }
            total += (int) (long) k;
        }
        return total;
    }

    public static boolean readBoolean(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readBoolean();
        }
        return p.fill(1, st) && p.takeLong(1) != 0;
    }

    public static byte readByte(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readByte();
        }
        return p.fill(1, st) ? (byte) p.takeLong(1) : 0;
    }

    public static int readUnsignedByte(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readUnsignedByte();
        }
        return p.fill(1, st) ? (int) p.takeLong(1) : 0;
    }

    public static short readShort(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readShort();
        }
        return p.fill(2, st) ? (short) p.takeLong(2) : 0;
    }

    public static int readUnsignedShort(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readUnsignedShort();
        }
        return p.fill(2, st) ? (int) p.takeLong(2) : 0;
    }

    public static char readChar(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readChar();
        }
        return p.fill(2, st) ? (char) p.takeLong(2) : 0;
    }

    public static int readInt(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readInt();
        }
        return p.fill(4, st) ? (int) p.takeLong(4) : 0;
    }

    public static long readLong(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readLong();
        }
        return p.fill(8, st) ? p.takeLong(8) : 0;
    }

    public static float readFloat(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readFloat();
        }
        return p.fill(4, st) ? Float.intBitsToFloat((int) p.takeLong(4)) : 0;
    }

    public static double readDouble(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readDouble();
        }
        return p.fill(8, st) ? Double.longBitsToDouble(p.takeLong(8)) : 0;
    }

    /** The length and the bytes gathered, then the JDK's decoding of them (same strings, same errors). */
    public static String readUTF(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readUTF();
        }
        if (!p.fill(-1, st)) {
            return null;
        }
        byte[] head = p.take(2);
        int utflen = ((head[0] & 0xff) << 8) | (head[1] & 0xff);
        byte[] all = Arrays.copyOf(head, 2 + utflen);
        System.arraycopy(p.take(utflen), 0, all, 2, utflen);
        return DataInputStream.readUTF(new DataInputStream(new ByteArrayInputStream(all)));
    }

    /** The JDK's deprecated {@code readLine}: the same lines, gathered without blocking the loop. */
    @SuppressWarnings("deprecation")
    public static String readLine(DataInput in, Stack st) throws IOException {
        Pushback p = coopData(in, st);
        if (p == null) {
            return in.readLine();
        }
        return p.line(st);
    }

    @SuppressWarnings("deprecation")
    public static String readLine(DataInput in) throws IOException {
        return in.readLine();
    }

    public static void readFully(DataInput in, byte[] b) throws IOException {
        in.readFully(b);
    }

    public static void readFully(DataInput in, byte[] b, int off, int len) throws IOException {
        in.readFully(b, off, len);
    }

    public static int skipBytes(DataInput in, int n) throws IOException {
        return in.skipBytes(n);
    }

    public static boolean readBoolean(DataInput in) throws IOException {
        return in.readBoolean();
    }

    public static byte readByte(DataInput in) throws IOException {
        return in.readByte();
    }

    public static int readUnsignedByte(DataInput in) throws IOException {
        return in.readUnsignedByte();
    }

    public static short readShort(DataInput in) throws IOException {
        return in.readShort();
    }

    public static int readUnsignedShort(DataInput in) throws IOException {
        return in.readUnsignedShort();
    }

    public static char readChar(DataInput in) throws IOException {
        return in.readChar();
    }

    public static int readInt(DataInput in) throws IOException {
        return in.readInt();
    }

    public static long readLong(DataInput in) throws IOException {
        return in.readLong();
    }

    public static float readFloat(DataInput in) throws IOException {
        return in.readFloat();
    }

    public static double readDouble(DataInput in) throws IOException {
        return in.readDouble();
    }

    public static String readUTF(DataInput in) throws IOException {
        return in.readUTF();
    }

    // ---- DataOutput: the JDK's call, its bytes sent cooperatively ----

    @FunctionalInterface
    private interface DataCall {
        void run() throws IOException;
    }

    private static void data(DataOutput out, DataCall call, Stack st) throws IOException {
        out(out, () -> {
            call.run();
            return null;
        }, st);
    }

    public static void write(DataOutput out, int b, Stack st) throws IOException {
        data(out, () -> out.write(b), st);
    }

    public static void write(DataOutput out, byte[] b, Stack st) throws IOException {
        data(out, () -> out.write(b), st);
    }

    public static void write(DataOutput out, byte[] b, int off, int len, Stack st) throws IOException {
        data(out, () -> out.write(b, off, len), st);
    }

    public static void writeBoolean(DataOutput out, boolean v, Stack st) throws IOException {
        data(out, () -> out.writeBoolean(v), st);
    }

    public static void writeByte(DataOutput out, int v, Stack st) throws IOException {
        data(out, () -> out.writeByte(v), st);
    }

    public static void writeShort(DataOutput out, int v, Stack st) throws IOException {
        data(out, () -> out.writeShort(v), st);
    }

    public static void writeChar(DataOutput out, int v, Stack st) throws IOException {
        data(out, () -> out.writeChar(v), st);
    }

    public static void writeInt(DataOutput out, int v, Stack st) throws IOException {
        data(out, () -> out.writeInt(v), st);
    }

    public static void writeLong(DataOutput out, long v, Stack st) throws IOException {
        data(out, () -> out.writeLong(v), st);
    }

    public static void writeFloat(DataOutput out, float v, Stack st) throws IOException {
        data(out, () -> out.writeFloat(v), st);
    }

    public static void writeDouble(DataOutput out, double v, Stack st) throws IOException {
        data(out, () -> out.writeDouble(v), st);
    }

    public static void writeBytes(DataOutput out, String v, Stack st) throws IOException {
        data(out, () -> out.writeBytes(v), st);
    }

    public static void writeChars(DataOutput out, String v, Stack st) throws IOException {
        data(out, () -> out.writeChars(v), st);
    }

    public static void writeUTF(DataOutput out, String v, Stack st) throws IOException {
        data(out, () -> out.writeUTF(v), st);
    }

    public static void write(DataOutput out, int b) throws IOException {
        out.write(b);
    }

    public static void write(DataOutput out, byte[] b) throws IOException {
        out.write(b);
    }

    public static void write(DataOutput out, byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    public static void writeBoolean(DataOutput out, boolean v) throws IOException {
        out.writeBoolean(v);
    }

    public static void writeByte(DataOutput out, int v) throws IOException {
        out.writeByte(v);
    }

    public static void writeShort(DataOutput out, int v) throws IOException {
        out.writeShort(v);
    }

    public static void writeChar(DataOutput out, int v) throws IOException {
        out.writeChar(v);
    }

    public static void writeInt(DataOutput out, int v) throws IOException {
        out.writeInt(v);
    }

    public static void writeLong(DataOutput out, long v) throws IOException {
        out.writeLong(v);
    }

    public static void writeFloat(DataOutput out, float v) throws IOException {
        out.writeFloat(v);
    }

    public static void writeDouble(DataOutput out, double v) throws IOException {
        out.writeDouble(v);
    }

    public static void writeBytes(DataOutput out, String v) throws IOException {
        out.writeBytes(v);
    }

    public static void writeChars(DataOutput out, String v) throws IOException {
        out.writeChars(v);
    }

    public static void writeUTF(DataOutput out, String v) throws IOException {
        out.writeUTF(v);
    }

    // ---- PrintWriter: the JDK's call (it swallows IOExceptions), its bytes sent cooperatively ----

    private static void pw(PrintWriter w, Runnable call, Stack st) {
        if (!(w instanceof PrintOut) || plain(st)) {
            call.run();
            return;
        }
        try {
            ChannelStreams.coopWrite((PrintOut) w, () -> {
                call.run();
                return null;
            }, st);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not reached: a PrintOut records a failed send
        }
    }

    public static void write(PrintWriter w, int c, Stack st) {
        pw(w, () -> w.write(c), st);
    }

    public static void write(PrintWriter w, char[] c, Stack st) {
        pw(w, () -> w.write(c), st);
    }

    public static void write(PrintWriter w, char[] c, int off, int len, Stack st) {
        pw(w, () -> w.write(c, off, len), st);
    }

    public static void write(PrintWriter w, String s, Stack st) {
        pw(w, () -> w.write(s), st);
    }

    public static void write(PrintWriter w, String s, int off, int len, Stack st) {
        pw(w, () -> w.write(s, off, len), st);
    }

    public static PrintWriter append(PrintWriter w, CharSequence csq, Stack st) {
        pw(w, () -> w.append(csq), st);
        return w;
    }

    public static PrintWriter append(PrintWriter w, CharSequence csq, int start, int end, Stack st) {
        pw(w, () -> w.append(csq, start, end), st);
        return w;
    }

    public static PrintWriter append(PrintWriter w, char c, Stack st) {
        pw(w, () -> w.append(c), st);
        return w;
    }

    public static void flush(PrintWriter w, Stack st) {
        pw(w, w::flush, st);
    }

    public static void close(PrintWriter w, Stack st) {
        pw(w, w::close, st);
    }

    /** As the JDK's: flushes, then says whether an error was ever recorded. */
    public static boolean checkError(PrintWriter w, Stack st) {
        if (!(w instanceof PrintOut) || plain(st)) {
            return w.checkError();
        }
        pw(w, w::flush, st);
        if (Suspend.isSuspending(st)) {
            return false;
        }
        return w.checkError(); // nothing is buffered any more: the flag
    }

    public static void print(PrintWriter w, boolean v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, char v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, int v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, long v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, float v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, double v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, char[] v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, String v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void print(PrintWriter w, Object v, Stack st) {
        pw(w, () -> w.print(v), st);
    }

    public static void println(PrintWriter w, Stack st) {
        pw(w, w::println, st);
    }

    public static void println(PrintWriter w, boolean v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, char v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, int v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, long v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, float v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, double v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, char[] v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, String v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static void println(PrintWriter w, Object v, Stack st) {
        pw(w, () -> w.println(v), st);
    }

    public static PrintWriter printf(PrintWriter w, String format, Object[] args, Stack st) {
        pw(w, () -> w.printf(format, args), st);
        return w;
    }

    public static PrintWriter printf(PrintWriter w, Locale l, String format, Object[] args, Stack st) {
        pw(w, () -> w.printf(l, format, args), st);
        return w;
    }

    public static PrintWriter format(PrintWriter w, String format, Object[] args, Stack st) {
        pw(w, () -> w.format(format, args), st);
        return w;
    }

    public static PrintWriter format(PrintWriter w, Locale l, String format, Object[] args, Stack st) {
        pw(w, () -> w.format(l, format, args), st);
        return w;
    }

    // plain forms (a patched call kept blocking): the JDK's call

    public static void write(PrintWriter w, int c) {
        w.write(c);
    }

    public static void write(PrintWriter w, char[] c) {
        w.write(c);
    }

    public static void write(PrintWriter w, char[] c, int off, int len) {
        w.write(c, off, len);
    }

    public static void write(PrintWriter w, String s) {
        w.write(s);
    }

    public static void write(PrintWriter w, String s, int off, int len) {
        w.write(s, off, len);
    }

    public static PrintWriter append(PrintWriter w, CharSequence csq) {
        return w.append(csq);
    }

    public static PrintWriter append(PrintWriter w, CharSequence csq, int start, int end) {
        return w.append(csq, start, end);
    }

    public static PrintWriter append(PrintWriter w, char c) {
        return w.append(c);
    }

    public static void flush(PrintWriter w) {
        w.flush();
    }

    public static void close(PrintWriter w) {
        w.close();
    }

    public static boolean checkError(PrintWriter w) {
        return w.checkError();
    }

    public static void print(PrintWriter w, boolean v) {
        w.print(v);
    }

    public static void print(PrintWriter w, char v) {
        w.print(v);
    }

    public static void print(PrintWriter w, int v) {
        w.print(v);
    }

    public static void print(PrintWriter w, long v) {
        w.print(v);
    }

    public static void print(PrintWriter w, float v) {
        w.print(v);
    }

    public static void print(PrintWriter w, double v) {
        w.print(v);
    }

    public static void print(PrintWriter w, char[] v) {
        w.print(v);
    }

    public static void print(PrintWriter w, String v) {
        w.print(v);
    }

    public static void print(PrintWriter w, Object v) {
        w.print(v);
    }

    public static void println(PrintWriter w) {
        w.println();
    }

    public static void println(PrintWriter w, boolean v) {
        w.println(v);
    }

    public static void println(PrintWriter w, char v) {
        w.println(v);
    }

    public static void println(PrintWriter w, int v) {
        w.println(v);
    }

    public static void println(PrintWriter w, long v) {
        w.println(v);
    }

    public static void println(PrintWriter w, float v) {
        w.println(v);
    }

    public static void println(PrintWriter w, double v) {
        w.println(v);
    }

    public static void println(PrintWriter w, char[] v) {
        w.println(v);
    }

    public static void println(PrintWriter w, String v) {
        w.println(v);
    }

    public static void println(PrintWriter w, Object v) {
        w.println(v);
    }

    public static PrintWriter printf(PrintWriter w, String format, Object[] args) {
        return w.printf(format, args);
    }

    public static PrintWriter printf(PrintWriter w, Locale l, String format, Object[] args) {
        return w.printf(l, format, args);
    }

    public static PrintWriter format(PrintWriter w, String format, Object[] args) {
        return w.format(format, args);
    }

    public static PrintWriter format(PrintWriter w, Locale l, String format, Object[] args) {
        return w.format(l, format, args);
    }

    // ---- PrintStream: the JDK's call (it swallows IOExceptions), its bytes sent cooperatively ----

    private static void ps(PrintStream w, Runnable call, Stack st) {
        if (!(w instanceof PrintStreamOut) || plain(st)) {
            call.run();
            return;
        }
        try {
            ChannelStreams.coopWrite((PrintStreamOut) w, () -> {
                call.run();
                return null;
            }, st);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not reached: a PrintStreamOut records a failed send
        }
    }

    public static void write(PrintStream w, int b, Stack st) {
        ps(w, () -> w.write(b), st);
    }

    public static void write(PrintStream w, byte[] b, int off, int len, Stack st) {
        ps(w, () -> w.write(b, off, len), st);
    }

    /** As the JDK's {@code write(byte[])}: declared to throw, never does. */
    public static void write(PrintStream w, byte[] b, Stack st) throws IOException {
        if (!(w instanceof PrintStreamOut) || plain(st)) {
            w.write(b);
            return;
        }
        ps(w, () -> w.write(b, 0, b.length), st);
    }

    public static void writeBytes(PrintStream w, byte[] b, Stack st) {
        ps(w, () -> w.writeBytes(b), st);
    }

    public static PrintStream append(PrintStream w, CharSequence csq, Stack st) {
        ps(w, () -> w.append(csq), st);
        return w;
    }

    public static PrintStream append(PrintStream w, CharSequence csq, int start, int end, Stack st) {
        ps(w, () -> w.append(csq, start, end), st);
        return w;
    }

    public static PrintStream append(PrintStream w, char c, Stack st) {
        ps(w, () -> w.append(c), st);
        return w;
    }

    public static void flush(PrintStream w, Stack st) {
        ps(w, w::flush, st);
    }

    public static void close(PrintStream w, Stack st) {
        ps(w, w::close, st);
    }

    /** As the JDK's: flushes, then says whether an error was ever recorded. */
    public static boolean checkError(PrintStream w, Stack st) {
        if (!(w instanceof PrintStreamOut) || plain(st)) {
            return w.checkError();
        }
        ps(w, w::flush, st);
        if (Suspend.isSuspending(st)) {
            return false;
        }
        return w.checkError(); // nothing is buffered any more: the flag
    }

    public static void print(PrintStream w, boolean v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, char v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, int v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, long v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, float v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, double v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, char[] v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, String v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void print(PrintStream w, Object v, Stack st) {
        ps(w, () -> w.print(v), st);
    }

    public static void println(PrintStream w, Stack st) {
        ps(w, w::println, st);
    }

    public static void println(PrintStream w, boolean v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, char v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, int v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, long v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, float v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, double v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, char[] v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, String v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static void println(PrintStream w, Object v, Stack st) {
        ps(w, () -> w.println(v), st);
    }

    public static PrintStream printf(PrintStream w, String format, Object[] args, Stack st) {
        ps(w, () -> w.printf(format, args), st);
        return w;
    }

    public static PrintStream printf(PrintStream w, Locale l, String format, Object[] args, Stack st) {
        ps(w, () -> w.printf(l, format, args), st);
        return w;
    }

    public static PrintStream format(PrintStream w, String format, Object[] args, Stack st) {
        ps(w, () -> w.format(format, args), st);
        return w;
    }

    public static PrintStream format(PrintStream w, Locale l, String format, Object[] args, Stack st) {
        ps(w, () -> w.format(l, format, args), st);
        return w;
    }

    // plain forms (a patched call kept blocking): the JDK's call

    public static void write(PrintStream w, int b) {
        w.write(b);
    }

    public static void write(PrintStream w, byte[] b, int off, int len) {
        w.write(b, off, len);
    }

    public static void write(PrintStream w, byte[] b) throws IOException {
        w.write(b);
    }

    public static void writeBytes(PrintStream w, byte[] b) {
        w.writeBytes(b);
    }

    public static PrintStream append(PrintStream w, CharSequence csq) {
        return w.append(csq);
    }

    public static PrintStream append(PrintStream w, CharSequence csq, int start, int end) {
        return w.append(csq, start, end);
    }

    public static PrintStream append(PrintStream w, char c) {
        return w.append(c);
    }

    public static void flush(PrintStream w) {
        w.flush();
    }

    public static void close(PrintStream w) {
        w.close();
    }

    public static boolean checkError(PrintStream w) {
        return w.checkError();
    }

    public static void print(PrintStream w, boolean v) {
        w.print(v);
    }

    public static void print(PrintStream w, char v) {
        w.print(v);
    }

    public static void print(PrintStream w, int v) {
        w.print(v);
    }

    public static void print(PrintStream w, long v) {
        w.print(v);
    }

    public static void print(PrintStream w, float v) {
        w.print(v);
    }

    public static void print(PrintStream w, double v) {
        w.print(v);
    }

    public static void print(PrintStream w, char[] v) {
        w.print(v);
    }

    public static void print(PrintStream w, String v) {
        w.print(v);
    }

    public static void print(PrintStream w, Object v) {
        w.print(v);
    }

    public static void println(PrintStream w) {
        w.println();
    }

    public static void println(PrintStream w, boolean v) {
        w.println(v);
    }

    public static void println(PrintStream w, char v) {
        w.println(v);
    }

    public static void println(PrintStream w, int v) {
        w.println(v);
    }

    public static void println(PrintStream w, long v) {
        w.println(v);
    }

    public static void println(PrintStream w, float v) {
        w.println(v);
    }

    public static void println(PrintStream w, double v) {
        w.println(v);
    }

    public static void println(PrintStream w, char[] v) {
        w.println(v);
    }

    public static void println(PrintStream w, String v) {
        w.println(v);
    }

    public static void println(PrintStream w, Object v) {
        w.println(v);
    }

    public static PrintStream printf(PrintStream w, String format, Object[] args) {
        return w.printf(format, args);
    }

    public static PrintStream printf(PrintStream w, Locale l, String format, Object[] args) {
        return w.printf(l, format, args);
    }

    public static PrintStream format(PrintStream w, String format, Object[] args) {
        return w.format(format, args);
    }

    public static PrintStream format(PrintStream w, Locale l, String format, Object[] args) {
        return w.format(l, format, args);
    }
}
