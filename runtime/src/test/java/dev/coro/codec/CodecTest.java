package dev.coro.codec;

import dev.coro.Codec;
import dev.coro.CodecException;
import dev.coro.internal.codec.Codecs;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodecTest {
    enum Colour { RED, GREEN }

    record Point(int x, int y) { }

    record Order(String id, long cents, List<String> items, Map<String, Integer> counts, Colour colour,
                 Point at, Integer maybe, byte[] blob, Set<Long> tags, double ratio, boolean rush, char grade) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Order r && id.equals(r.id) && cents == r.cents && items.equals(r.items)
                    && counts.equals(r.counts) && colour == r.colour && java.util.Objects.equals(at, r.at)
                    && java.util.Objects.equals(maybe, r.maybe) && Arrays.equals(blob, r.blob) && tags.equals(r.tags)
                    && ratio == r.ratio && rush == r.rush && grade == r.grade;
        }

        @Override
        public int hashCode() {
            return id.hashCode();
        }
    }

    record Tree(String label, List<Tree> children) { }

    record HasThread(Thread t) { }

    record Positive(int n) {
        Positive {
            if (n < 0) {
                throw new IllegalArgumentException("negative");
            }
        }
    }

    @Test
    void scalarsAndNullsRoundTrip() {
        assertEquals("héllo ✓", Codec.strings().decode(Codec.strings().encode("héllo ✓")));
        assertNull(Codec.strings().decode(Codec.strings().encode(null)));
        assertEquals(-7, Codec.ints().decode(Codec.ints().encode(-7)));
        assertEquals(Long.MIN_VALUE, Codec.longs().decode(Codec.longs().encode(Long.MIN_VALUE)));
        assertEquals(2.5, Codec.doubles().decode(Codec.doubles().encode(2.5)));
        assertEquals(Boolean.FALSE, Codec.booleans().decode(Codec.booleans().encode(false)));
        assertNull(Codec.booleans().decode(Codec.booleans().encode(null)));
        assertArrayEquals(new byte[] {1, 2, 3}, Codec.bytes().decode(Codec.bytes().encode(new byte[] {1, 2, 3})));
    }

    @Test
    void recordsWithNestedCollectionsRoundTrip() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("tea", 2);
        counts.put("cake", 1);
        Order o = new Order("o-1", 1250, List.of("tea", "cake"), counts, Colour.GREEN, new Point(3, -4), null,
                new byte[] {9}, Set.of(5L), 0.25, true, 'B');
        Codec<Order> codec = Codec.record(Order.class);
        assertEquals(o, codec.decode(codec.encode(o)));
        assertEquals(List.of("tea", "cake"), new ArrayList<>(codec.decode(codec.encode(o)).counts().keySet()),
                "a map keeps its order");
    }

    @Test
    void aRecordMayContainItself() {
        Tree t = new Tree("root", List.of(new Tree("a", List.of()), new Tree("b", List.of(new Tree("c", List.of())))));
        Codec<Tree> codec = Codec.record(Tree.class);
        assertEquals(t, codec.decode(codec.encode(t)));
    }

    @Test
    void aRecordWithAnUnsupportedComponentIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Codec.record(HasThread.class));
        assertTrue(e.getMessage().contains("component 't'"), e.getMessage());
        assertTrue(e.getMessage().contains("java.lang.Thread"), e.getMessage());
    }

    @Test
    void aRecordsOwnValidationRejectsBadDecodedValues() {
        byte[] wire = Codec.ints().encode(-1);
        byte[] bad = Arrays.copyOfRange(wire, 1, wire.length); // the int alone, as a Positive's component
        CodecException e = assertThrows(CodecException.class, () -> Codec.record(Positive.class).decode(bad));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
    }

    @Test
    void valuesCarryNestedListsAndMaps() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", 1);
        m.put("l", List.of(1L, "two", 3.0, true));
        m.put("b", null);
        Object back = Codec.values().decode(Codec.values().encode(m));
        assertEquals(m, back);
    }

    @Test
    void valuesRefuseOtherClassesAtTheSender() {
        CodecException e = assertThrows(CodecException.class, () -> Codec.values().encode(new Point(1, 2)));
        assertTrue(e.getMessage().contains(Point.class.getName()), e.getMessage());
    }

    @Test
    void aTruncatedMessageIsRejectedWithItsOffset() {
        byte[] wire = Codec.strings().encode("hello");
        CodecException e = assertThrows(CodecException.class,
                () -> Codec.strings().decode(Arrays.copyOf(wire, wire.length - 2)));
        assertTrue(e.getMessage().contains("exceeds") || e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void bytesLeftOverAreRejected() {
        byte[] wire = Arrays.copyOf(Codec.ints().encode(5), 9);
        CodecException e = assertThrows(CodecException.class, () -> Codec.ints().decode(wire));
        assertTrue(e.getMessage().contains("left over"), e.getMessage());
    }

    @Test
    void aHugeDeclaredLengthIsRejectedBeforeAllocating() {
        byte[] wire = ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).array();
        CodecException e = assertThrows(CodecException.class, () -> Codec.bytes().decode(wire));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        byte[] list = ByteBuffer.allocate(5).put((byte) 12).putInt(1 << 30).array();
        assertThrows(CodecException.class, () -> Codec.values().decode(list));
    }

    @Test
    void deepNestingFromAPeerIsRejected() {
        byte[] wire = new byte[200 * 5 + 1];
        ByteBuffer b = ByteBuffer.wrap(wire);
        for (int i = 0; i < 200; i++) {
            b.put((byte) 12).putInt(1);
        }
        b.put((byte) 0);
        CodecException e = assertThrows(CodecException.class, () -> Codec.values().decode(wire));
        assertTrue(e.getMessage().contains("deeper"), e.getMessage());
    }

    @Test
    void anUnknownTagIsRejected() {
        CodecException e = assertThrows(CodecException.class, () -> Codec.values().decode(new byte[] {99}));
        assertTrue(e.getMessage().contains("unknown value tag 99"), e.getMessage());
    }

    static final class Payload implements Serializable {
        private static final long serialVersionUID = 1L;
        final List<String> words;

        Payload(List<String> words) {
            this.words = words;
        }
    }

    static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void serializationPassesAllowedClassesOnly() throws Exception {
        Codec<Payload> codec = Codec.serialized(Payload.class);
        assertEquals(List.of("a", "b"), codec.decode(codec.encode(new Payload(new ArrayList<>(List.of("a", "b"))))).words);

        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(raw)) {
            o.writeObject(new Gadget());
        }
        byte[] wire = Codec.bytes().encode(raw.toByteArray());
        CodecException e = assertThrows(CodecException.class, () -> codec.decode(wire));
        assertTrue(e.getMessage().contains("allow-list"), e.getMessage());
    }

    @Test
    void builtInCodecsAreRebuiltFromTheirSpec() {
        Codec<?> c = Codec.map(Codec.strings(), Codec.list(Codec.record(Point.class)));
        String spec = Codecs.spec(c);
        assertEquals("map(strings,list(record:" + Point.class.getName() + "))", spec);
        @SuppressWarnings("unchecked")
        Codec<Map<String, List<Point>>> back = (Codec<Map<String, List<Point>>>) Codecs.fromSpec(spec,
                getClass().getClassLoader());
        Map<String, List<Point>> v = Map.of("p", List.of(new Point(1, 2)));
        assertEquals(v, back.decode(back.encode(v)));
        assertSame(Codec.strings(), Codecs.fromSpec("strings", null));
        assertThrows(IllegalArgumentException.class, () -> Codecs.fromSpec("list(strings", null));
        assertThrows(IllegalArgumentException.class, () -> Codecs.fromSpec("nope", null));
    }
}
