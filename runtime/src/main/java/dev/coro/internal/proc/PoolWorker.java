package dev.coro.internal.proc;

import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.internal.codec.Codecs;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link dev.coro.ProcessPool} worker process: connects to its pool over a Unix-domain socket, then runs one item
 * at a time and sends back its result, until the pool closes the connection.
 *
 * <p>Wire format, both ways length-checked: a job is {@code long id, UTF class, UTF method, UTF descriptor,
 * boolean onItem, UTF inCodec, UTF outCodec, int n, n bytes}; a result is {@code long id, byte status (0 value,
 * 1 failure), int n, n bytes} (the encoded result, or the failure's stack trace in UTF-8).
 */
public final class PoolWorker {
    static final int MAX_FRAME = 256 << 20;
    static final byte OK = 0, FAILED = 1;

    private PoolWorker() {
    }

    /** The worker's main loop; {@code token} proves to the pool that this is the child it started. */
    static void serve(String socket, String token) throws IOException {
        try {
            loop(socket, token);
        } catch (EOFException | java.net.SocketException e) {
            // the pool closed the connection, or its process is gone: this worker is done
        }
    }

    private static void loop(String socket, String token) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch)));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch)));
        out.writeUTF(token);
        out.writeLong(ProcessHandle.current().pid());
        out.flush();
        Map<String, Method> methods = new HashMap<>();
        Map<String, Codec<?>> codecs = new HashMap<>();
        ClassLoader loader = ClassLoader.getSystemClassLoader();
        for (;;) {
            long id = in.readLong(); // EOF: the pool is done with this worker
            String cls = in.readUTF();
            String name = in.readUTF();
            String desc = in.readUTF();
            boolean onItem = in.readBoolean();
            String inSpec = in.readUTF();
            String outSpec = in.readUTF();
            byte[] item = readBytes(in);
            byte status;
            byte[] reply;
            try {
                String key = cls + '.' + name + desc + onItem;
                Method m = methods.get(key);
                if (m == null) {
                    m = PoolFunction.of(cls, name, desc, onItem).resolve(loader);
                    methods.put(key, m);
                }
                @SuppressWarnings("unchecked")
                Codec<Object> inCodec = (Codec<Object>) codecs.computeIfAbsent(inSpec, s -> Codecs.fromSpec(s, loader));
                @SuppressWarnings("unchecked")
                Codec<Object> outCodec = (Codec<Object>) codecs.computeIfAbsent(outSpec,
                        s -> Codecs.fromSpec(s, loader));
                Object value = inCodec.decode(item);
                Object result = apply(m, onItem, value);
                reply = outCodec.encode(result);
                status = OK;
            } catch (Throwable e) {
                StringWriter sw = new StringWriter();
                e.printStackTrace(new PrintWriter(sw));
                reply = ("in worker process " + ProcessHandle.current().pid() + ": " + sw).getBytes(
                        StandardCharsets.UTF_8);
                status = FAILED;
            }
            out.writeLong(id);
            out.writeByte(status);
            out.writeInt(reply.length);
            out.write(reply);
            out.flush();
        }
    }

    private static Object apply(Method m, boolean onItem, Object value) throws Exception {
        if (m.isAnnotationPresent(Coroutine.class)) {
            // as in ChildMain: the loop arms the entry, and these frames only pass values through
            return Coro.run(() -> invoke(m, onItem, value));
        }
        return invoke(m, onItem, value);
    }

    private static Object invoke(Method m, boolean onItem, Object value) throws Exception {
        try {
            return onItem ? m.invoke(value) : m.invoke(null, value);
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

    static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_FRAME) {
            throw new IOException("malformed frame: length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
