package dev.coro.internal.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.DatagramPacket;

/**
 * A {@link DatagramPacket}'s two lengths. The JDK's socket receives up to the packet's buffer length (set by the
 * constructor, {@code setData} or {@code setLength}) and then changes only the visible length, so one packet can
 * be reused for datagrams of any size up to its buffer; the public API can only change both. The agent opens
 * {@code java.net} to coro's runtime for this; without it (no agent) the visible length stands for both, and a
 * packet reused after a short datagram receives at most that many bytes.
 */
final class Packets {
    private static final VarHandle LENGTH;
    private static final VarHandle BUF_LENGTH;

    static {
        VarHandle length = null;
        VarHandle bufLength = null;
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(DatagramPacket.class, MethodHandles.lookup());
            length = l.findVarHandle(DatagramPacket.class, "length", int.class);
            bufLength = l.findVarHandle(DatagramPacket.class, "bufLength", int.class);
        } catch (ReflectiveOperationException | RuntimeException notOpen) {
            length = null;
            bufLength = null;
        }
        LENGTH = length;
        BUF_LENGTH = bufLength;
    }

    private Packets() {
    }

    /** Whether receives use the JDK's exact buffer-length rule. */
    static boolean exact() {
        return BUF_LENGTH != null;
    }

    /** The most bytes a receive into {@code p} takes (call holding p's lock). */
    static int bufLength(DatagramPacket p) {
        return BUF_LENGTH != null ? (int) BUF_LENGTH.get(p) : p.getLength();
    }

    /** Records a received datagram's length, keeping the buffer length (call holding p's lock). */
    static void received(DatagramPacket p, int n) {
        if (LENGTH != null) {
            LENGTH.set(p, n);
        } else {
            p.setLength(n);
        }
    }
}
