package dev.coro.internal.codec;

import dev.coro.Codec;
import dev.coro.CodecException;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in codecs, and the spec string that names a codec so that a child process can build the same one
 * ({@link #spec}, {@link #fromSpec}): a queue handle handed to a child carries its codec this way.
 */
public final class Codecs {
    private Codecs() {
    }

    /** Marks a built-in codec that can name itself. */
    public interface Described {
        String spec();
    }

    private abstract static class Builtin<T> implements Codec<T>, Described {
        private final java.util.function.Supplier<String> spec;

        Builtin(String spec) {
            this(() -> spec);
        }

        // lazy: a record's parts are built before anyone asks whether they can be handed to another process
        Builtin(java.util.function.Supplier<String> spec) {
            this.spec = spec;
        }

        @Override
        public String spec() {
            return spec.get();
        }

        @Override
        public String toString() {
            return "Codec." + spec();
        }
    }

    public static final Codec<String> STRINGS = new Builtin<>("strings") {
        @Override
        public void write(String v, DataOutput out) throws IOException {
            writeString(v, out);
        }

        @Override
        public String read(DataInput in) throws IOException {
            return readString(in);
        }
    };

    public static final Codec<byte[]> BYTES = new Builtin<>("bytes") {
        @Override
        public void write(byte[] v, DataOutput out) throws IOException {
            if (v == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(v.length);
                out.write(v);
            }
        }

        @Override
        public byte[] read(DataInput in) throws IOException {
            int n = in.readInt();
            if (n == -1) {
                return null;
            }
            byte[] b = new byte[WireIn.checkCount(in, n, 1, "byte array length")];
            in.readFully(b);
            return b;
        }
    };

    public static final Codec<Integer> INTS = new Builtin<>("ints") {
        @Override
        public void write(Integer v, DataOutput out) throws IOException {
            out.writeBoolean(v != null);
            if (v != null) {
                out.writeInt(v);
            }
        }

        @Override
        public Integer read(DataInput in) throws IOException {
            return in.readBoolean() ? in.readInt() : null;
        }
    };

    public static final Codec<Long> LONGS = new Builtin<>("longs") {
        @Override
        public void write(Long v, DataOutput out) throws IOException {
            out.writeBoolean(v != null);
            if (v != null) {
                out.writeLong(v);
            }
        }

        @Override
        public Long read(DataInput in) throws IOException {
            return in.readBoolean() ? in.readLong() : null;
        }
    };

    public static final Codec<Double> DOUBLES = new Builtin<>("doubles") {
        @Override
        public void write(Double v, DataOutput out) throws IOException {
            out.writeBoolean(v != null);
            if (v != null) {
                out.writeDouble(v);
            }
        }

        @Override
        public Double read(DataInput in) throws IOException {
            return in.readBoolean() ? in.readDouble() : null;
        }
    };

    public static final Codec<Boolean> BOOLEANS = new Builtin<>("booleans") {
        @Override
        public void write(Boolean v, DataOutput out) throws IOException {
            out.writeByte(v == null ? 2 : v ? 1 : 0);
        }

        @Override
        public Boolean read(DataInput in) throws IOException {
            int b = in.readUnsignedByte();
            if (b > 2) {
                throw new CodecException("malformed message: boolean tag " + b);
            }
            return b == 2 ? null : b == 1;
        }
    };

    public static <E> Codec<List<E>> list(Codec<E> elements) {
        requireCodec(elements, "elements");
        return new Builtin<>(() -> "list(" + spec(elements) + ")") {
            @Override
            public void write(List<E> v, DataOutput out) throws IOException {
                if (v == null) {
                    out.writeInt(-1);
                    return;
                }
                out.writeInt(v.size());
                for (E e : v) {
                    elements.write(e, out);
                }
            }

            @Override
            public List<E> read(DataInput in) throws IOException {
                int n = in.readInt();
                if (n == -1) {
                    return null;
                }
                WireIn.checkCount(in, n, 1, "list size");
                List<E> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(elements.read(in));
                }
                return Collections.unmodifiableList(list);
            }
        };
    }

    public static <K, V> Codec<Map<K, V>> map(Codec<K> keys, Codec<V> values) {
        requireCodec(keys, "keys");
        requireCodec(values, "values");
        return new Builtin<>(() -> "map(" + spec(keys) + "," + spec(values) + ")") {
            @Override
            public void write(Map<K, V> v, DataOutput out) throws IOException {
                if (v == null) {
                    out.writeInt(-1);
                    return;
                }
                out.writeInt(v.size());
                for (Map.Entry<K, V> e : v.entrySet()) {
                    keys.write(e.getKey(), out);
                    values.write(e.getValue(), out);
                }
            }

            @Override
            public Map<K, V> read(DataInput in) throws IOException {
                int n = in.readInt();
                if (n == -1) {
                    return null;
                }
                WireIn.checkCount(in, n, 2, "map size");
                Map<K, V> map = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    map.put(keys.read(in), values.read(in));
                }
                return Collections.unmodifiableMap(map);
            }
        };
    }

    static void writeString(String v, DataOutput out) throws IOException {
        if (v == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInput in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        WireIn.checkCount(in, n, 1, "string length");
        if (in instanceof WireIn w) {
            return w.readUtf8(n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void requireCodec(Codec<?> c, String what) {
        if (c == null) {
            throw new NullPointerException("the codec for the " + what + " is null");
        }
    }

    /**
     * The name of {@code codec} for a child process: a built-in's own, else {@code class:} and the class name of a
     * codec with a public no-argument constructor.
     */
    public static String spec(Codec<?> codec) {
        if (codec instanceof Described d) {
            return d.spec();
        }
        Class<?> c = codec.getClass();
        try {
            Constructor<?> k = c.getConstructor();
            if (k.getDeclaringClass() == c && !c.isAnonymousClass() && !c.isLocalClass()) {
                return "class:" + c.getName();
            }
        } catch (NoSuchMethodException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("the codec " + c.getName() + " cannot be handed to another process: give"
                + " it a public no-argument constructor (and make it a top-level or static nested class)");
    }

    /** The codec that {@link #spec} named; the spec comes from the parent process, never from a peer. */
    public static Codec<?> fromSpec(String spec, ClassLoader loader) {
        return new SpecParser(spec, loader).parse();
    }

    private static final class SpecParser {
        private final String s;
        private final ClassLoader loader;
        private int i;

        SpecParser(String s, ClassLoader loader) {
            this.s = s;
            this.loader = loader;
        }

        Codec<?> parse() {
            Codec<?> c = codec();
            if (i != s.length()) {
                throw fail("unexpected text");
            }
            return c;
        }

        private Codec<?> codec() {
            int startAt = i;
            while (i < s.length() && "(),".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String name = s.substring(startAt, i);
            switch (name) {
                case "strings":
                    return STRINGS;
                case "bytes":
                    return BYTES;
                case "ints":
                    return INTS;
                case "longs":
                    return LONGS;
                case "doubles":
                    return DOUBLES;
                case "booleans":
                    return BOOLEANS;
                case "values":
                    return ValueCodec.INSTANCE;
                case "list": {
                    expect('(');
                    Codec<?> e = codec();
                    expect(')');
                    return list(e);
                }
                case "map": {
                    expect('(');
                    Codec<?> k = codec();
                    expect(',');
                    Codec<?> v = codec();
                    expect(')');
                    return map(k, v);
                }
                default:
                    if (name.startsWith("record:")) {
                        return RecordCodec.of(load(name.substring(7)).asSubclass(Record.class));
                    }
                    if (name.startsWith("serialized:")) {
                        return SerializedCodec.fromSpec(name.substring(11), this::load);
                    }
                    if (name.startsWith("class:")) {
                        try {
                            return (Codec<?>) load(name.substring(6)).getConstructor().newInstance();
                        } catch (ReflectiveOperationException | ClassCastException e) {
                            throw new IllegalArgumentException("cannot build the codec " + name + ": " + e, e);
                        }
                    }
                    throw fail("unknown codec '" + name + "'");
            }
        }

        Class<?> load(String name) {
            try {
                return Class.forName(name, false, loader);
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("codec spec '" + s + "' names a class this process cannot load: "
                        + name, e);
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw fail("expected '" + c + "'");
            }
            i++;
        }

        private IllegalArgumentException fail(String why) {
            return new IllegalArgumentException("bad codec spec '" + s + "' at " + i + ": " + why);
        }
    }
}
