package dev.coro;

import dev.coro.internal.codec.Codecs;
import dev.coro.internal.codec.RecordCodec;
import dev.coro.internal.codec.SerializedCodec;
import dev.coro.internal.codec.ValueCodec;
import dev.coro.internal.codec.WireIn;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * How messages of one type cross a process or machine boundary (process queues, pipes, the task manager). The
 * built-ins carry strings, bytes, primitives, and records, lists and maps of those; they never name a class on the
 * wire, so a peer cannot make this side load or build anything it did not ask for. Java serialization is available
 * only by opting in with {@link #serialized}, and then behind an allow-list.
 *
 * <pre>{@code
 * record Order(String id, long cents, List<String> items) { }
 *
 * Codec<Order> codec = Codec.record(Order.class);
 * byte[] wire = codec.encode(new Order("o-1", 1250, List.of("tea")));
 * Order back = codec.decode(wire);
 * }</pre>
 *
 * <p>Decoding is strict: a truncated or malformed message, or bytes left over after one, throw
 * {@link CodecException} naming the byte offset; lengths are checked against the bytes actually present before
 * anything is allocated.
 *
 * <p>A custom codec implements {@link #write} and {@link #read}. To be handed to a child process (inside a queue or
 * pipe handle), it needs a public no-argument constructor.
 *
 * @param <T> the message type
 */
public interface Codec<T> {
    /** Writes {@code value} to {@code out}. */
    void write(T value, DataOutput out) throws IOException;

    /** Reads one value written by {@link #write}. */
    T read(DataInput in) throws IOException;

    /** The bytes of one message. */
    default byte[] encode(T value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try {
            write(value, new DataOutputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The value of one whole message; a truncated message or one with bytes left over is rejected. */
    default T decode(byte[] message) {
        return decode(message, 0, message.length);
    }

    /** The value of the message in {@code message[offset, offset + length)}. */
    default T decode(byte[] message, int offset, int length) {
        WireIn in = new WireIn(message, offset, length);
        T value;
        try {
            value = read(in);
        } catch (CodecException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CodecException("malformed message at byte " + in.position() + " of " + length + ": " + e, e);
        }
        if (in.remaining() != 0) {
            throw new CodecException("malformed message: " + in.remaining() + " bytes left over after the value, at byte "
                    + in.position() + " of " + length);
        }
        return value;
    }

    /** UTF-8 strings; null is allowed. */
    static Codec<String> strings() {
        return Codecs.STRINGS;
    }

    /** Byte arrays as they are; null is allowed. */
    static Codec<byte[]> bytes() {
        return Codecs.BYTES;
    }

    /** 32-bit integers (boxed; null is allowed). */
    static Codec<Integer> ints() {
        return Codecs.INTS;
    }

    /** 64-bit integers (boxed; null is allowed). */
    static Codec<Long> longs() {
        return Codecs.LONGS;
    }

    /** Doubles (boxed; null is allowed). */
    static Codec<Double> doubles() {
        return Codecs.DOUBLES;
    }

    /** Booleans (boxed; null is allowed). */
    static Codec<Boolean> booleans() {
        return Codecs.BOOLEANS;
    }

    /** Lists whose elements go through {@code elements}; decoded as an unmodifiable list. */
    static <E> Codec<List<E>> list(Codec<E> elements) {
        return Codecs.list(elements);
    }

    /** Maps whose keys and values go through the given codecs; decoded in order, unmodifiable. */
    static <K, V> Codec<Map<K, V>> map(Codec<K> keys, Codec<V> values) {
        return Codecs.map(keys, values);
    }

    /**
     * A record whose components are primitives, their boxes, strings, byte arrays, enums, nested records, or lists,
     * sets and maps of those (read from the components' generic types). Refused at once, naming the component, if
     * one has any other type.
     */
    static <R extends Record> Codec<R> record(Class<R> type) {
        return RecordCodec.of(type);
    }

    /**
     * Self-describing values, for messages whose type varies: null, Boolean, Byte, Short, Character, Integer, Long,
     * Float, Double, String, byte[], and List and Map (nested at most 64 deep) of those.
     */
    static Codec<Object> values() {
        return ValueCodec.INSTANCE;
    }

    /**
     * Java serialization, opted into: only {@code type}, the classes in {@code allowed}, their arrays, and the
     * boxes, strings and collections of {@code java.base} pass the {@link java.io.ObjectInputFilter}; anything else
     * in a stream is refused before it is built.
     */
    static <T extends Serializable> Codec<T> serialized(Class<T> type, Class<?>... allowed) {
        return new SerializedCodec<>(type, allowed);
    }
}
