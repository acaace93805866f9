package dev.coro.internal.patch;

import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.util.Objects;

/**
 * {@code Channels.newInputStream/newOutputStream/newReader/newWriter} in rewritten code. Over a
 * {@link SocketChannel} they give streams whose reads and writes go through {@link PatchedChannels}: at patched
 * call sites ({@code InputStream.read}, {@code OutputStream.write}, dispatched by {@link PatchedNet}) they suspend
 * the calling coroutine on its loop while the channel, adopted as any blocking socket channel a coroutine uses,
 * has nothing to read or no room to write; called plainly they block as the JDK's do, on a channel adopted or
 * not. The JDK's checks are kept: bounds, {@link IllegalBlockingModeException} when the user put the channel in
 * non-blocking mode, {@code close()} closing the channel (and waking whoever waits on it). Any other channel
 * (a {@code FileChannel}, a pipe) gets exactly the JDK's object.
 * <p>
 * The readers and writers are the JDK's {@code InputStreamReader}/{@code OutputStreamWriter} with the very
 * decoder/encoder the JDK's would use, over these streams: their decoding is the JDK's; their reads and writes
 * happen in JDK frames, so they wait pinned (blocking the loop thread while the socket has no data, as a pinned
 * call does) instead of suspending.
 */
public final class ChannelStreams {
    private ChannelStreams() {
    }

    public static InputStream newInputStream(ReadableByteChannel ch) {
        Objects.requireNonNull(ch, "ch");
        return ch instanceof SocketChannel ? new In((SocketChannel) ch) : Channels.newInputStream(ch);
    }

    public static OutputStream newOutputStream(WritableByteChannel ch) {
        Objects.requireNonNull(ch, "ch");
        return ch instanceof SocketChannel ? new Out((SocketChannel) ch) : Channels.newOutputStream(ch);
    }

    public static Reader newReader(ReadableByteChannel ch, CharsetDecoder dec, int minBufferCap) {
        Objects.requireNonNull(ch, "ch");
        if (!(ch instanceof SocketChannel)) {
            return Channels.newReader(ch, dec, minBufferCap);
        }
        return new InputStreamReader(new In((SocketChannel) ch), dec.reset());
    }

    public static Reader newReader(ReadableByteChannel ch, String csName) {
        Objects.requireNonNull(csName, "csName");
        return newReader(ch, Charset.forName(csName).newDecoder(), -1);
    }

    public static Reader newReader(ReadableByteChannel ch, Charset charset) {
        Objects.requireNonNull(charset, "charset");
        return newReader(ch, charset.newDecoder(), -1);
    }

    public static Writer newWriter(WritableByteChannel ch, CharsetEncoder enc, int minBufferCap) {
        Objects.requireNonNull(ch, "ch");
        if (!(ch instanceof SocketChannel)) {
            return Channels.newWriter(ch, enc, minBufferCap);
        }
        Objects.requireNonNull(enc, "enc");
        return new OutputStreamWriter(new Out((SocketChannel) ch), enc.reset());
    }

    public static Writer newWriter(WritableByteChannel ch, String csName) {
        Objects.requireNonNull(csName, "csName");
        return newWriter(ch, Charset.forName(csName).newEncoder(), -1);
    }

    public static Writer newWriter(WritableByteChannel ch, Charset charset) {
        Objects.requireNonNull(charset, "charset");
        return newWriter(ch, charset.newEncoder(), -1);
    }

    private static void checkBlocking(SocketChannel ch) {
        if (!PatchedChannels.isBlocking(ch)) {
            throw new IllegalBlockingModeException(); // as the JDK's channel streams
        }
    }

    /** The input stream of a socket channel. */
    static final class In extends InputStream {
        private final SocketChannel ch;
        /** The JDK's stream over the same channel, for {@code available()}. */
        private final InputStream jdk;

        In(SocketChannel ch) {
            this.ch = ch;
            this.jdk = Channels.newInputStream(ch);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            checkBlocking(ch);
            return PatchedChannels.read(ch, ByteBuffer.wrap(b, off, len)); // waits as the JDK's blocking read
        }

        /** The cooperative read; nothing is read when it suspends, so a resumption just reads again. */
        int read(byte[] b, int off, int len, Stack st) throws IOException {
            if (!Suspend.isResuming(st)) {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                checkBlocking(ch);
            }
            return PatchedChannels.read(ch, ByteBuffer.wrap(b, off, len), st);
        }

        int read(Stack st) throws IOException {
            byte[] one = Suspend.isResuming(st) ? (byte[]) st.popA() : new byte[1];
            int n = read(one, 0, 1, st);
            if (Suspend.isSuspending(st)) {
                st.pushA(one);
                return 0;
            }
            return n == 1 ? one[0] & 0xff : -1;
        }

        /** The cooperative {@code readAllBytes}: what it has read so far waits on the coroutine's stack. */
        byte[] readAllBytes(Stack st) throws IOException {
            ByteArrayOutputStream acc;
            byte[] buf;
            if (Suspend.isResuming(st)) {
                buf = (byte[]) st.popA();
                acc = (ByteArrayOutputStream) st.popA();
            } else {
                acc = new ByteArrayOutputStream();
                buf = new byte[8192];
            }
            for (;;) {
                int n = read(buf, 0, buf.length, st);
                if (Suspend.isSuspending(st)) {
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

        @Override
        public int available() throws IOException {
            return jdk.available();
        }

        @Override
        public void close() throws IOException {
            PatchedChannels.close(ch); // wakes a task waiting on the channel
        }
    }

    /** The output stream of a socket channel. */
    static final class Out extends OutputStream {
        private final SocketChannel ch;

        Out(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return;
            }
            checkBlocking(ch);
            PatchedChannels.write(ch, ByteBuffer.wrap(b, off, len)); // every byte, as the JDK's
        }

        /** The cooperative write: the buffer (how far it got) waits on the coroutine's stack while suspended. */
        void write(byte[] b, int off, int len, Stack st) throws IOException {
            ByteBuffer bb;
            if (Suspend.isResuming(st)) {
                bb = (ByteBuffer) st.popA();
            } else {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return;
                }
                checkBlocking(ch);
                bb = ByteBuffer.wrap(b, off, len);
            }
            PatchedChannels.write(ch, bb, st);
            if (Suspend.isSuspending(st)) {
                st.pushA(bb);
            }
        }

        void write(int b, Stack st) throws IOException {
            write(new byte[] {(byte) b}, 0, 1, st); // on resume the buffer comes back from the stack
        }

        @Override
        public void close() throws IOException {
            PatchedChannels.close(ch);
        }
    }
}
