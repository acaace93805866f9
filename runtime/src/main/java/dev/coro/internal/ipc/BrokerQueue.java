package dev.coro.internal.ipc;

import dev.coro.ChannelClosedException;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.WaitQueue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A named queue held by a {@link Broker}. Its state is guarded by its monitor, which the broker thread and the
 * broker's own process (the in-process fast path: this class is also that process's {@link Endpoint}) take;
 * connections to consumers in other processes are touched by the broker thread only.
 */
public final class BrokerQueue implements Endpoint {
    final Broker broker;
    final int qid;
    private final String name;
    private final int capacity;
    final long leaseNanos;

    private final ArrayDeque<Msg> ready = new ArrayDeque<>();
    private final WaitQueue getters = new WaitQueue(this);
    /** Puts waiting while full: {@link WaitNode}s (this process) and {@link RemotePut}s. */
    private final ArrayDeque<Object> pendingPuts = new ArrayDeque<>();
    /** Remote subscriptions; broker thread only mutates, under the monitor. */
    final List<Broker.Sub> subs = new ArrayList<>();
    private int rr;
    int creditTotal;
    private long nextId = 1;
    private String closedReason;
    /** A pipe's queue: the end that writes to it, or null. */
    PipeEnd writerEnd;
    /** Set when the end writing to this pipe queue closed: once empty, gets fail with this message. */
    private String sealedMessage;
    /** Set when the end reading this pipe queue closed: puts fail with it (nobody can ever receive them). */
    private String readerGoneMessage;
    /** ... and gets on the closed end itself fail with this one. */
    private String readerGoneOwnMessage;
    /** A dispatch to remote consumers was requested from another thread and not yet run. */
    final java.util.concurrent.atomic.AtomicBoolean dispatchRequested = new java.util.concurrent.atomic.AtomicBoolean();

    BrokerQueue(Broker broker, int qid, String name, int capacity, long leaseNanos) {
        this.broker = broker;
        this.qid = qid;
        this.name = name;
        this.capacity = capacity;
        this.leaseNanos = leaseNanos;
    }

    static final class RemotePut {
        final Broker.Conn conn;
        final long req;
        final Msg msg;
        /** System.nanoTime when it gives up; 0: never. */
        final long deadline;

        RemotePut(Broker.Conn conn, long req, Msg msg, long deadline) {
            this.conn = conn;
            this.req = req;
            this.msg = msg;
            this.deadline = deadline;
        }
    }

    @Override
    public String address() {
        return broker.address();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Messages waiting to be taken now. */
    public synchronized int size() {
        return ready.size();
    }

    private void checkOpen() {
        if (closedReason != null) {
            throw new ChannelClosedException("queue '" + name + "' at " + broker.address() + ": " + closedReason);
        }
    }

    private boolean full() {
        return capacity > 0 && ready.size() >= capacity;
    }

    // ---- in-process producer ----

    @Override
    public boolean put(byte[] body, long nanos, Stack s) {
        if (Suspend.isResuming(s)) {
            return Suspend.resumeWait(s, Boolean.FALSE) != Boolean.FALSE;
        }
        if (body.length > broker.maxFrame() - 64) {
            throw new IllegalArgumentException("a message of " + body.length + " bytes is over the queue's frame"
                    + " limit (" + (broker.maxFrame() - 64) + " bytes)");
        }
        WaitNode node;
        boolean dispatch;
        synchronized (this) {
            checkOpen();
            if (readerGoneMessage != null) {
                throw new ChannelClosedException(readerGoneMessage);
            }
            Msg m = new Msg(nextId++, 0, body);
            if (!full() || !getters.isEmpty()) {
                dispatch = offerLocked(m);
                node = null;
            } else {
                if (nanos == 0) {
                    return false;
                }
                node = Suspend.prepareWait(s, "put on a full process queue");
                node.markExternal();
                node.value = m;
                pendingPuts.addLast(node);
                dispatch = false;
            }
        }
        if (node == null) {
            if (dispatch) {
                broker.requestDispatch(this);
            }
            return true;
        }
        if (node.isPlainThread()) {
            return Suspend.blockOn(node, nanos < 0 ? 0 : nanos);
        }
        if (nanos > 0) {
            Suspend.timeoutWait(s, nanos);
        }
        return false;
    }

    /** Hands {@code m} to a waiting in-process getter, or queues it; true if remote consumers could take it now. */
    private boolean offerLocked(Msg m) {
        WaitNode w;
        while ((w = getters.pollWaiting()) != null) {
            m.deliveries++;
            if (w.complete(m)) {
                return false;
            }
            m.deliveries--;
        }
        ready.addLast(m);
        return creditTotal > 0;
    }

    // ---- in-process consumer ----

    @Override
    public Endpoint.Consumer consumer() {
        return new Endpoint.Consumer() {
            @Override
            public Msg get(long nanos, Stack s) {
                return take(nanos, s);
            }

            @Override
            public void ack(Msg m) {
                // nothing to tell: the broker forgets a message once an in-process consumer takes it
            }

            @Override
            public void close(Msg unacked) {
                if (unacked != null) {
                    requeue(List.of(unacked));
                }
            }
        };
    }

    @Override
    public Runnable claimEnd() {
        PipeEnd e = writerEnd;
        if (e == null) {
            throw new IllegalStateException(this + " is not a pipe's end");
        }
        if (!e.claim(null)) {
            throw new ChannelClosedException("pipe '" + e.pipe + "': " + e.label + " of the pipe was closed ("
                    + e.closedReason() + ")");
        }
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                e.release(null, false, "closed by its holder");
            }
        };
    }

    @Override
    public void flush() {
        // puts of this process are in the queue as soon as they return
    }

    Msg take(long nanos, Stack s) {
        if (Suspend.isResuming(s)) {
            return (Msg) Suspend.resumeWait(s, null);
        }
        WaitNode node;
        Msg m;
        synchronized (this) {
            m = ready.pollFirst();
            if (m == null) {
                checkOpen();
                checkNotDrained();
                if (nanos == 0) {
                    return null;
                }
                node = Suspend.prepareWait(s, "get on an empty process queue");
                node.markExternal();
                getters.add(node);
            } else {
                m.deliveries++;
                node = null;
                if (!pendingPuts.isEmpty()) {
                    admitPendingLocked();
                }
            }
        }
        if (node == null) {
            return m;
        }
        if (node.isPlainThread()) {
            return Suspend.blockOn(node, nanos < 0 ? 0 : nanos) ? (Msg) node.outcome() : null;
        }
        if (nanos > 0) {
            Suspend.timeoutWait(s, nanos);
        }
        return null;
    }

    /** Throws if this is a pipe queue with nothing left to receive and nothing more to come. */
    private void checkNotDrained() {
        if (readerGoneOwnMessage != null) {
            throw new ChannelClosedException(readerGoneOwnMessage);
        }
        if (sealedMessage != null) {
            throw new ChannelClosedException(sealedMessage);
        }
    }

    /**
     * The end writing to this pipe queue closed: what is queued is still received; then (and at once if empty)
     * waiting and later gets fail with {@code message}, here and in other processes (told by {@link #dispatch}).
     */
    void seal(String message) {
        List<WaitNode> waiting = new ArrayList<>();
        synchronized (this) {
            if (sealedMessage != null) {
                return;
            }
            sealedMessage = message;
            if (ready.isEmpty()) {
                WaitNode w;
                while ((w = getters.pollWaiting()) != null) {
                    waiting.add(w);
                }
            }
        }
        for (WaitNode w : waiting) {
            w.fail(new ChannelClosedException(message));
        }
        broker.requestDispatch(this);
    }

    /**
     * The end reading this pipe queue closed for good: what it did not receive is dropped, puts fail with
     * {@code forPuts} (remote ones are dropped: the other end's holders were told), gets with {@code forGets}.
     */
    void loseReader(String forGets, String forPuts) {
        List<WaitNode> waiting = new ArrayList<>();
        synchronized (this) {
            if (readerGoneMessage != null) {
                return;
            }
            readerGoneMessage = forPuts;
            readerGoneOwnMessage = forGets;
            ready.clear();
            WaitNode w;
            while ((w = getters.pollWaiting()) != null) {
                waiting.add(w);
            }
        }
        for (WaitNode w : waiting) {
            w.fail(new ChannelClosedException(forGets));
        }
    }

    /** Admits waiting puts while there is room. */
    private void admitPendingLocked() {
        Object p;
        while (!full() && (p = pendingPuts.pollFirst()) != null) {
            if (p instanceof WaitNode) {
                WaitNode n = (WaitNode) p;
                Msg m = (Msg) n.value;
                if (n.complete(Boolean.TRUE)) {
                    offerLocked(m);
                }
            } else {
                RemotePut r = (RemotePut) p;
                offerLocked(r.msg);
                broker.replyLater(r.conn, r.req, 1, r.deadline != 0);
            }
        }
        if (creditTotal > 0 && !ready.isEmpty()) {
            broker.requestDispatch(this);
        }
    }

    /** Puts messages back at the front, in their order, for another delivery (a consumer left or its lease ran out). */
    void requeue(List<Msg> msgs) {
        boolean dispatch;
        synchronized (this) {
            if (closedReason != null || readerGoneMessage != null) {
                return;
            }
            for (int i = msgs.size() - 1; i >= 0; i--) {
                ready.addFirst(msgs.get(i));
            }
            // waiting in-process getters take from the front
            WaitNode w;
            while (!ready.isEmpty() && (w = getters.pollWaiting()) != null) {
                Msg m = ready.pollFirst();
                m.deliveries++;
                if (!w.complete(m)) {
                    m.deliveries--;
                    ready.addFirst(m);
                }
            }
            dispatch = creditTotal > 0 && !ready.isEmpty();
        }
        if (dispatch) {
            broker.requestDispatch(this);
        }
    }

    // ---- broker thread ----

    /** Messages from a remote producer (broker thread). */
    synchronized void putAllFromRemote(List<byte[]> bodies) {
        if (closedReason != null || readerGoneMessage != null) {
            return;
        }
        for (byte[] b : bodies) {
            offerLocked(new Msg(nextId++, 0, b));
        }
    }

    /** A remote producer's PUT_WAIT (broker thread): in now and replied, or waiting for room. */
    synchronized int putWaitFromRemote(Broker.Conn conn, long req, byte[] body, long timeoutMillis, long now) {
        if (closedReason != null) {
            return 0;
        }
        if (!full() || !getters.isEmpty()) {
            offerLocked(new Msg(nextId++, 0, body));
            return 1;
        }
        if (timeoutMillis == 0) {
            return 0;
        }
        long deadline = timeoutMillis < 0 ? 0 : (now + timeoutMillis * 1_000_000L) | 1;
        pendingPuts.addLast(new RemotePut(conn, req, new Msg(nextId++, 0, body), deadline));
        return -1;
    }

    /** Answers the remote puts whose time ran out (broker thread); how many timed puts still wait. */
    synchronized int expirePuts(long now) {
        int timed = 0;
        for (java.util.Iterator<Object> it = pendingPuts.iterator(); it.hasNext(); ) {
            Object p = it.next();
            if (p instanceof RemotePut && ((RemotePut) p).deadline != 0) {
                RemotePut r = (RemotePut) p;
                if (r.deadline - now <= 0) {
                    it.remove();
                    r.conn.reply(r.req, 0);
                } else {
                    timed++;
                }
            }
        }
        return timed;
    }

    /** Drops the waiting puts of a connection that went away (broker thread). */
    synchronized void forgetPuts(Broker.Conn conn) {
        pendingPuts.removeIf(p -> p instanceof RemotePut && ((RemotePut) p).conn == conn);
    }

    /** Hands ready messages to remote subscriptions with credit (broker thread). */
    synchronized void dispatch(long now) {
        int n = subs.size();
        boolean took = false;
        while (creditTotal > 0 && !ready.isEmpty() && n > 0) {
            Broker.Sub sub = subs.get(rr % n);
            if (sub.credit == 0) {
                rr++;
                continue;
            }
            // a burst to one subscription, then the next one's turn
            int burst = Math.min(sub.credit, 64);
            while (burst-- > 0 && !ready.isEmpty()) {
                Msg m = ready.pollFirst();
                m.deliveries++;
                if (leaseNanos > 0) {
                    m.leaseDeadline = now + leaseNanos;
                }
                sub.deliver(m);
                creditTotal--;
                took = true;
            }
            rr++;
        }
        if (took && !pendingPuts.isEmpty()) {
            admitPendingLocked();
        }
        if (sealedMessage != null && ready.isEmpty()) {
            // after the last delivery, on the same connection: the consumer receives everything, then fails
            for (Broker.Sub sub : subs) {
                if (!sub.toldSealed) {
                    sub.toldSealed = true;
                    sub.conn.sealed(sub.id, sealedMessage);
                }
            }
        }
    }

    synchronized void addSub(Broker.Sub sub) {
        subs.add(sub);
        creditTotal += sub.credit;
    }

    /** Sets a subscription's credit. */
    synchronized void setCredit(Broker.Sub sub, int credit) {
        creditTotal += credit - sub.credit;
        sub.credit = credit;
    }

    synchronized void removeSub(Broker.Sub sub) {
        subs.remove(sub);
        creditTotal -= sub.credit;
        sub.credit = 0;
    }

    /** Fails every waiter and refuses everything from now on. */
    void shutdown(String reason) {
        List<WaitNode> waiting = new ArrayList<>();
        synchronized (this) {
            if (closedReason != null) {
                return;
            }
            closedReason = reason;
            WaitNode w;
            while ((w = getters.pollWaiting()) != null) {
                waiting.add(w);
            }
            for (Object p : pendingPuts) {
                if (p instanceof WaitNode) {
                    waiting.add((WaitNode) p);
                }
            }
            pendingPuts.clear();
            ready.clear();
        }
        for (WaitNode w : waiting) {
            w.fail(new ChannelClosedException("queue '" + name + "' at " + broker.address() + ": " + reason));
        }
    }

    @Override
    public String toString() {
        return "queue '" + name + "' at " + broker.address();
    }
}
