package dev.coro.internal.ipc;

import java.util.HashMap;
import java.util.Map;

/**
 * One end of a pipe, as its {@link Broker} sees it: the queue it writes to ({@link #out}), the queue it reads from
 * ({@link #in}), and who holds it. An end is held by every process that restored it from a handover or used it
 * (in the broker's own process: each {@code Pipe.End} object that sent or received; elsewhere: each connection that
 * sent {@link Wire#CLAIM}). When the last holder lets go ({@code close()}, or its connection ends because its
 * process exited or crashed), the end is closed for good: its outgoing queue is sealed (the other end receives what
 * is left, then gets {@code ChannelClosedException}), and its incoming queue loses its reader (the other end's
 * sends fail; what was sent and not received is dropped, as nobody can ever receive it).
 */
final class PipeEnd {
    final String pipe;
    final String label;
    final BrokerQueue out;
    final BrokerQueue in;
    PipeEnd peer;
    /** Holders in the broker's process. Guarded by this. */
    private int localClaims;
    /** Holders through connections. Guarded by this. */
    private final Map<Broker.Conn, Integer> remoteClaims = new HashMap<>();
    /** Guarded by this. */
    private String closedReason;

    PipeEnd(String pipe, String label, BrokerQueue out, BrokerQueue in) {
        this.pipe = pipe;
        this.label = label;
        this.out = out;
        this.in = in;
    }

    /** Registers a holder ({@code conn} null: this process); false if the end was closed already. */
    boolean claim(Broker.Conn conn) {
        synchronized (this) {
            if (closedReason != null) {
                return false;
            }
            if (conn == null) {
                localClaims++;
            } else {
                remoteClaims.merge(conn, 1, Integer::sum);
            }
            return true;
        }
    }

    /**
     * Drops holds: one of this process ({@code conn} null), or one ({@code all} false) or every one of a
     * connection; closes the end if none is left. {@code how} says why, for the other end's error message.
     */
    void release(Broker.Conn conn, boolean all, String how) {
        synchronized (this) {
            if (closedReason != null) {
                return;
            }
            if (conn == null) {
                if (localClaims == 0) {
                    return;
                }
                localClaims--;
            } else {
                Integer n = remoteClaims.get(conn);
                if (n == null) {
                    return;
                }
                if (all || n == 1) {
                    remoteClaims.remove(conn);
                } else {
                    remoteClaims.put(conn, n - 1);
                }
            }
            if (localClaims > 0 || !remoteClaims.isEmpty()) {
                return;
            }
            closedReason = how;
        }
        closeQueues(how);
    }

    synchronized boolean isClosed() {
        return closedReason != null;
    }

    synchronized String closedReason() {
        return closedReason;
    }

    private void closeQueues(String how) {
        String theirs = "pipe '" + pipe + "': the other end of the pipe was closed (" + how + ")";
        String mine = "pipe '" + pipe + "': this end of the pipe (" + label + ") was closed (" + how + ")";
        // sends to this end fail before the other end's receivers hear of the close: one that wakes to the close
        // and sends at once must fail too
        in.loseReader(mine, theirs);
        out.seal(theirs);
        // the holders of the other end in other processes learn that their sends can no longer be received
        out.broker.onBrokerThread(() -> {
            Map<Broker.Conn, Integer> holders;
            synchronized (peer) {
                holders = new HashMap<>(peer.remoteClaims);
            }
            for (Broker.Conn c : holders.keySet()) {
                c.peerClosed(peer.out.qid, theirs);
            }
        });
    }
}
