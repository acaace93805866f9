package dev.coro.internal.patch;

import java.io.FilterInputStream;
import java.io.InputStream;

/**
 * A blocking stream whose reads, made from rewritten code, run on the offload pool (see {@link PatchedNet}); read
 * plainly it is the stream it wraps.
 */
public final class OffloadedInputStream extends FilterInputStream {
    OffloadedInputStream(InputStream in) {
        super(in);
    }

    InputStream inner() {
        return in;
    }
}
