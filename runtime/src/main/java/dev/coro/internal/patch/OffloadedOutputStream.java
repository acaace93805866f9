package dev.coro.internal.patch;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A blocking stream whose writes, made from rewritten code, run on the blocking pool (see {@link PatchedNet}, which
 * dispatches {@code OutputStream.write} on it); written plainly it is the stream it wraps, call for call.
 */
public final class OffloadedOutputStream extends FilterOutputStream {
    OffloadedOutputStream(OutputStream out) {
        super(out);
    }

    OutputStream inner() {
        return out;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len); // not FilterOutputStream's byte-at-a-time loop
    }

    @Override
    public void write(byte[] b) throws IOException {
        out.write(b);
    }
}
