package dev.coro.internal.codec;

import dev.coro.Codec;
import dev.coro.CodecException;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A record, component by component in declaration order, each through the codec its generic type calls for. No
 * class name travels: both sides know the record type.
 */
public final class RecordCodec<R extends Record> implements Codec<R>, Codecs.Described {
    private static final Map<Class<?>, RecordCodec<?>> CACHE = new ConcurrentHashMap<>();

    private final Class<R> type;
    private Method[] accessors;
    private Codec<Object>[] parts;
    private Constructor<R> constructor;

    private RecordCodec(Class<R> type) {
        this.type = type;
    }

    @SuppressWarnings("unchecked")
    public static <R extends Record> RecordCodec<R> of(Class<R> type) {
        if (type == null || !type.isRecord()) {
            throw new IllegalArgumentException((type == null ? "null" : type.getName()) + " is not a record class");
        }
        RecordCodec<R> c = (RecordCodec<R>) CACHE.get(type);
        if (c == null) {
            synchronized (CACHE) {
                c = (RecordCodec<R>) CACHE.get(type);
                if (c == null) {
                    c = new RecordCodec<>(type);
                    // published before its parts are built, so a record that contains itself (in a list) works
                    CACHE.put(type, c);
                    try {
                        c.build();
                    } catch (RuntimeException e) {
                        CACHE.remove(type);
                        throw e;
                    }
                }
            }
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private void build() {
        RecordComponent[] rc = type.getRecordComponents();
        Method[] acc = new Method[rc.length];
        Codec<Object>[] ps = new Codec[rc.length];
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) {
            acc[i] = rc[i].getAccessor();
            acc[i].setAccessible(true);
            types[i] = rc[i].getType();
            try {
                ps[i] = (Codec<Object>) forType(rc[i].getGenericType());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("record " + type.getName() + ", component '" + rc[i].getName()
                        + "': " + e.getMessage(), e);
            }
        }
        try {
            constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("record " + type.getName() + " has no canonical constructor", e);
        }
        accessors = acc;
        parts = ps;
    }

    @Override
    public String spec() {
        return "record:" + type.getName();
    }

    @Override
    public void write(R value, DataOutput out) throws IOException {
        if (value == null) {
            throw new CodecException("null " + type.getSimpleName() + ": a record message must not be null");
        }
        for (int i = 0; i < parts.length; i++) {
            Object v;
            try {
                v = accessors[i].invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new CodecException("cannot read " + type.getName() + "." + accessors[i].getName() + ": " + e, e);
            }
            parts[i].write(v, out);
        }
    }

    @Override
    public R read(DataInput in) throws IOException {
        Object[] args = new Object[parts.length];
        for (int i = 0; i < parts.length; i++) {
            args[i] = parts[i].read(in);
        }
        try {
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new CodecException(type.getName() + " refused the decoded values: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new CodecException("cannot build " + type.getName() + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return "Codec.record(" + type.getName() + ")";
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Codec<?> forType(Type t) {
        if (t instanceof Class<?> c) {
            if (c.isPrimitive()) {
                return Primitive.of(c);
            }
            if (c == String.class) {
                return Codecs.STRINGS;
            }
            if (c == byte[].class) {
                return Codecs.BYTES;
            }
            if (c == Integer.class) {
                return Codecs.INTS;
            }
            if (c == Long.class) {
                return Codecs.LONGS;
            }
            if (c == Double.class) {
                return Codecs.DOUBLES;
            }
            if (c == Boolean.class) {
                return Codecs.BOOLEANS;
            }
            if (c == Byte.class || c == Short.class || c == Character.class || c == Float.class) {
                return nullable(Primitive.of(boxToPrimitive(c)));
            }
            if (c.isEnum()) {
                return new EnumCodec(c);
            }
            if (c.isRecord()) {
                return nullable(of((Class<Record>) c));
            }
            throw new IllegalArgumentException("type " + c.getName() + " has no built-in codec (use primitives,"
                    + " String, byte[], enums, records, List, Set or Map of those)");
        }
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] a = p.getActualTypeArguments();
            if (raw == List.class) {
                return Codecs.list(forType(a[0]));
            }
            if (raw == Set.class) {
                Codec<List<Object>> list = Codecs.list((Codec<Object>) forType(a[0]));
                return new Codec<Set<Object>>() {
                    @Override
                    public void write(Set<Object> v, DataOutput out) throws IOException {
                        list.write(v == null ? null : new java.util.ArrayList<>(v), out);
                    }

                    @Override
                    public Set<Object> read(DataInput in) throws IOException {
                        List<Object> l = list.read(in);
                        return l == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(l));
                    }
                };
            }
            if (raw == Map.class) {
                return Codecs.map(forType(a[0]), forType(a[1]));
            }
        }
        throw new IllegalArgumentException("type " + t.getTypeName() + " has no built-in codec (use primitives,"
                + " String, byte[], enums, records, List, Set or Map of those)");
    }

    private static Class<?> boxToPrimitive(Class<?> c) {
        return c == Byte.class ? byte.class : c == Short.class ? short.class : c == Character.class ? char.class
                : float.class;
    }

    private static <T> Codec<T> nullable(Codec<T> c) {
        return new Codec<>() {
            @Override
            public void write(T v, DataOutput out) throws IOException {
                out.writeBoolean(v != null);
                if (v != null) {
                    c.write(v, out);
                }
            }

            @Override
            public T read(DataInput in) throws IOException {
                return in.readBoolean() ? c.read(in) : null;
            }
        };
    }

    /** Primitive components, written without a presence byte. */
    private static final class Primitive implements Codec<Object> {
        private final char kind;

        private Primitive(char kind) {
            this.kind = kind;
        }

        static Primitive of(Class<?> c) {
            return new Primitive(c == boolean.class ? 'Z' : c == byte.class ? 'B' : c == short.class ? 'S'
                    : c == char.class ? 'C' : c == int.class ? 'I' : c == long.class ? 'J' : c == float.class ? 'F'
                    : 'D');
        }

        @Override
        public void write(Object v, DataOutput out) throws IOException {
            switch (kind) {
                case 'Z' -> out.writeBoolean((Boolean) v);
                case 'B' -> out.writeByte((Byte) v);
                case 'S' -> out.writeShort((Short) v);
                case 'C' -> out.writeChar((Character) v);
                case 'I' -> out.writeInt((Integer) v);
                case 'J' -> out.writeLong((Long) v);
                case 'F' -> out.writeFloat((Float) v);
                default -> out.writeDouble((Double) v);
            }
        }

        @Override
        public Object read(DataInput in) throws IOException {
            return switch (kind) {
                case 'Z' -> in.readBoolean();
                case 'B' -> in.readByte();
                case 'S' -> in.readShort();
                case 'C' -> in.readChar();
                case 'I' -> in.readInt();
                case 'J' -> in.readLong();
                case 'F' -> in.readFloat();
                default -> in.readDouble();
            };
        }
    }

    /** Enums by name, so reordering constants does not change meaning. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final class EnumCodec implements Codec<Enum> {
        private final Class type;

        EnumCodec(Class type) {
            this.type = type;
        }

        @Override
        public void write(Enum v, DataOutput out) throws IOException {
            Codecs.writeString(v == null ? null : v.name(), out);
        }

        @Override
        public Enum read(DataInput in) throws IOException {
            String name = Codecs.readString(in);
            if (name == null) {
                return null;
            }
            try {
                return Enum.valueOf(type, name);
            } catch (IllegalArgumentException e) {
                throw new CodecException("malformed message: " + type.getName() + " has no constant '" + name + "'");
            }
        }
    }
}
