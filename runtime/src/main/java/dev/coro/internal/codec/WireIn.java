package dev.coro.internal.codec;

import dev.coro.CodecException;

import java.io.DataInput;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;

/**
 * DataInput over one received message. Every read is bounds-checked, and every length a peer sends is checked
 * against the bytes actually left before anything is allocated: a hostile length cannot make this side allocate.
 */
public final class WireIn implements DataInput {
    private final byte[] buf;
    private final int start;
    private final int end;
    private int pos;

    public WireIn(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buf.length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " in " + buf.length);
        }
        this.buf = buf;
        this.start = offset;
        this.pos = offset;
        this.end = offset + length;
    }

    public int position() {
        return pos - start;
    }

    public int remaining() {
        return end - pos;
    }

    private int take(int n) throws EOFException {
        if (n > end - pos) {
            throw new EOFException("truncated message: needs " + n + " more bytes at byte " + position() + ", has "
                    + remaining());
        }
        int at = pos;
        pos += n;
        return at;
    }

    /**
     * Checks a peer-sent count of items, each at least {@code minBytesEach} long, against what is left. For a
     * DataInput that is not a WireIn (a custom stream) only the sign is checked.
     */
    public static int checkCount(DataInput in, int count, int minBytesEach, String what) {
        if (count < 0) {
            throw new CodecException("malformed message: negative " + what + " " + count
                    + (in instanceof WireIn w ? " at byte " + w.position() : ""));
        }
        if (in instanceof WireIn w && (long) count * minBytesEach > w.remaining()) {
            throw new CodecException("malformed message: " + what + " " + count + " at byte " + w.position()
                    + " exceeds the " + w.remaining() + " bytes left");
        }
        return count;
    }

    @Override
    public void readFully(byte[] b) throws EOFException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws EOFException {
        System.arraycopy(buf, take(len), b, off, len);
    }

    @Override
    public int skipBytes(int n) {
        int k = Math.max(0, Math.min(n, remaining()));
        pos += k;
        return k;
    }

    @Override
    public boolean readBoolean() throws EOFException {
        byte b = buf[take(1)];
        if (b != 0 && b != 1) {
            throw new CodecException("malformed message: boolean byte " + b + " at byte " + (position() - 1));
        }
        return b == 1;
    }

    @Override
    public byte readByte() throws EOFException {
        return buf[take(1)];
    }

    @Override
    public int readUnsignedByte() throws EOFException {
        return buf[take(1)] & 0xff;
    }

    @Override
    public short readShort() throws EOFException {
        int i = take(2);
        return (short) ((buf[i] << 8) | (buf[i + 1] & 0xff));
    }

    @Override
    public int readUnsignedShort() throws EOFException {
        return readShort() & 0xffff;
    }

    @Override
    public char readChar() throws EOFException {
        return (char) readShort();
    }

    @Override
    public int readInt() throws EOFException {
        int i = take(4);
        return (buf[i] << 24) | ((buf[i + 1] & 0xff) << 16) | ((buf[i + 2] & 0xff) << 8) | (buf[i + 3] & 0xff);
    }

    @Override
    public long readLong() throws EOFException {
        return ((long) readInt() << 32) | (readInt() & 0xffffffffL);
    }

    @Override
    public float readFloat() throws EOFException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws EOFException {
        return Double.longBitsToDouble(readLong());
    }

    @Override
    public String readLine() {
        throw new UnsupportedOperationException("messages have no lines");
    }

    @Override
    public String readUTF() throws EOFException {
        int n = readUnsignedShort();
        int at = take(n);
        return new String(buf, at, n, StandardCharsets.UTF_8);
    }

    /** A UTF-8 string of {@code n} bytes, checked against what is left. */
    String readUtf8(int n) throws EOFException {
        int at = take(n);
        return new String(buf, at, n, StandardCharsets.UTF_8);
    }
}
