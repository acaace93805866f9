package dev.coro.internal.codec;

import dev.coro.Codec;
import dev.coro.CodecException;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Self-describing values: a tag byte, then the value. Nesting is bounded so a peer cannot exhaust the stack. */
public final class ValueCodec implements Codec<Object>, Codecs.Described {
    public static final ValueCodec INSTANCE = new ValueCodec();
    static final int MAX_DEPTH = 64;

    private static final int NULL = 0, FALSE = 1, TRUE = 2, BYTE = 3, SHORT = 4, CHAR = 5, INT = 6, LONG = 7,
            FLOAT = 8, DOUBLE = 9, STRING = 10, BYTES = 11, LIST = 12, MAP = 13;

    private ValueCodec() {
    }

    @Override
    public String spec() {
        return "values";
    }

    @Override
    public void write(Object v, DataOutput out) throws IOException {
        write(v, out, 0);
    }

    private void write(Object v, DataOutput out, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new CodecException("value nested deeper than " + MAX_DEPTH);
        }
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Byte b) {
            out.writeByte(BYTE);
            out.writeByte(b);
        } else if (v instanceof Short s) {
            out.writeByte(SHORT);
            out.writeShort(s);
        } else if (v instanceof Character c) {
            out.writeByte(CHAR);
            out.writeChar(c);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof Float f) {
            out.writeByte(FLOAT);
            out.writeFloat(f);
        } else if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            Codecs.writeString(s, out);
        } else if (v instanceof byte[] b) {
            out.writeByte(BYTES);
            Codecs.BYTES.write(b, out);
        } else if (v instanceof List<?> l) {
            out.writeByte(LIST);
            out.writeInt(l.size());
            for (Object e : l) {
                write(e, out, depth + 1);
            }
        } else if (v instanceof Map<?, ?> m) {
            out.writeByte(MAP);
            out.writeInt(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                write(e.getKey(), out, depth + 1);
                write(e.getValue(), out, depth + 1);
            }
        } else {
            throw new CodecException("Codec.values() does not carry " + v.getClass().getName()
                    + ": use primitives, String, byte[], List or Map, or a typed codec such as Codec.record");
        }
    }

    @Override
    public Object read(DataInput in) throws IOException {
        return read(in, 0);
    }

    private Object read(DataInput in, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new CodecException("malformed message: value nested deeper than " + MAX_DEPTH);
        }
        int tag = in.readUnsignedByte();
        switch (tag) {
            case NULL:
                return null;
            case FALSE:
                return Boolean.FALSE;
            case TRUE:
                return Boolean.TRUE;
            case BYTE:
                return in.readByte();
            case SHORT:
                return in.readShort();
            case CHAR:
                return in.readChar();
            case INT:
                return in.readInt();
            case LONG:
                return in.readLong();
            case FLOAT:
                return in.readFloat();
            case DOUBLE:
                return in.readDouble();
            case STRING:
                return Codecs.readString(in);
            case BYTES:
                return Codecs.BYTES.read(in);
            case LIST: {
                int n = WireIn.checkCount(in, in.readInt(), 1, "list size");
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(read(in, depth + 1));
                }
                return Collections.unmodifiableList(l);
            }
            case MAP: {
                int n = WireIn.checkCount(in, in.readInt(), 2, "map size");
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    m.put(read(in, depth + 1), read(in, depth + 1));
                }
                return Collections.unmodifiableMap(m);
            }
            default:
                throw new CodecException("malformed message: unknown value tag " + tag
                        + (in instanceof WireIn w ? " at byte " + (w.position() - 1) : ""));
        }
    }

    @Override
    public String toString() {
        return "Codec.values()";
    }
}
