package dev.coro.internal.codec;

import dev.coro.Codec;
import dev.coro.CodecException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * Java serialization behind an allow-list: the filter sees every class in the stream before an instance is built,
 * and refuses any that is not the message type, an allowed class, an array of those, or a plain value or
 * collection class of java.base.
 */
public final class SerializedCodec<T> implements Codec<T>, Codecs.Described {
    private static final Set<String> BASE = Set.of(
            "java.lang.Object", "java.lang.String", "java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Character",
            "java.lang.Integer", "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Number",
            "java.lang.Enum", "java.lang.Record", "java.math.BigInteger", "java.math.BigDecimal",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.HashMap", "java.util.LinkedHashMap",
            "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet",
            "java.util.ArrayDeque", "java.util.CollSer", "java.util.ImmutableCollections$ListN",
            "java.util.ImmutableCollections$List12", "java.util.ImmutableCollections$SetN",
            "java.util.ImmutableCollections$Set12", "java.util.ImmutableCollections$MapN",
            "java.util.ImmutableCollections$Map1", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableCollection",
            "java.util.Collections$UnmodifiableMap", "java.util.Collections$UnmodifiableSet",
            "java.util.Collections$EmptyList", "java.util.Collections$EmptyMap", "java.util.Collections$EmptySet",
            "java.time.Ser", "java.util.UUID");
    private static final int MAX_DEPTH = 64;
    private static final int MAX_REFS = 100_000;

    private final Class<T> type;
    private final Set<String> allowed = new LinkedHashSet<>();
    private final ObjectInputFilter filter;

    public SerializedCodec(Class<T> type, Class<?>... allowed) {
        if (type == null) {
            throw new NullPointerException("type");
        }
        this.type = type;
        this.allowed.add(type.getName());
        for (Class<?> c : allowed) {
            this.allowed.add(c.getName());
        }
        this.filter = this::check;
    }

    static Codec<?> fromSpec(String names, Function<String, Class<?>> load) {
        String[] parts = names.split(";");
        Class<?>[] rest = new Class<?>[parts.length - 1];
        for (int i = 1; i < parts.length; i++) {
            rest[i - 1] = load.apply(parts[i]);
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Codec<?> c = new SerializedCodec(load.apply(parts[0]), rest);
        return c;
    }

    @Override
    public String spec() {
        return "serialized:" + String.join(";", allowed);
    }

    private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
        if (info.depth() > MAX_DEPTH || info.references() > MAX_REFS) {
            return ObjectInputFilter.Status.REJECTED;
        }
        Class<?> c = info.serialClass();
        if (c == null) {
            return ObjectInputFilter.Status.UNDECIDED;
        }
        while (c.isArray()) {
            c = c.getComponentType();
        }
        if (c.isPrimitive() || allowed.contains(c.getName()) || BASE.contains(c.getName())) {
            return ObjectInputFilter.Status.ALLOWED;
        }
        return ObjectInputFilter.Status.REJECTED;
    }

    @Override
    public void write(T value, DataOutput out) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(value);
        }
        Codecs.BYTES.write(bytes.toByteArray(), out);
    }

    @Override
    public T read(DataInput in) throws IOException {
        byte[] b = Codecs.BYTES.read(in);
        if (b == null) {
            throw new CodecException("malformed message: no serialized object");
        }
        try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(b))) {
            o.setObjectInputFilter(filter);
            Object v = o.readObject();
            if (v != null && !type.isInstance(v)) {
                throw new CodecException("serialized message is a " + v.getClass().getName() + ", not a "
                        + type.getName());
            }
            return type.cast(v);
        } catch (InvalidClassException e) {
            throw new CodecException("serialized message refused by the allow-list (" + String.join(", ", allowed)
                    + " and java.base values): " + e.getMessage(), e);
        } catch (ClassNotFoundException e) {
            throw new CodecException("serialized message names an unknown class: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Codec.serialized(" + String.join(", ", allowed) + ")";
    }
}
