package dev.coro.internal.ipc;

/**
 * One message: its id (unique in its queue, kept across redeliveries), how many times it was handed to a consumer
 * (1 on the first delivery), and its codec bytes. On a client, {@code tag} is the delivery's tag within its
 * subscription (what an ACK names).
 */
public final class Msg {
    public final long id;
    public int deliveries;
    public final byte[] body;
    /** Client side: the delivery tag. Broker side: unused. */
    public long tag;
    /** Broker side: when the lease of the current delivery ends (System.nanoTime), if the queue has leases. */
    long leaseDeadline;

    public Msg(long id, int deliveries, byte[] body) {
        this.id = id;
        this.deliveries = deliveries;
        this.body = body;
    }

    @Override
    public String toString() {
        return "Msg[id=" + id + ", deliveries=" + deliveries + ", " + body.length + " bytes]";
    }
}
