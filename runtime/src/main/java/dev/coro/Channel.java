package dev.coro;

import dev.coro.internal.Nanos;
import dev.coro.internal.Affinity;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;
import dev.coro.internal.WaitNode;
import dev.coro.internal.WaitQueue;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A FIFO channel between coroutines, and between loops and plain threads: coroutines suspend, plain threads block.
 * Unbounded, bounded, or rendezvous (capacity 0: a send waits for a receiver). Waiting senders and receivers are
 * served first come, first served. Items must not be null.
 *
 * <pre>{@code
 * Channel<String> ch = Channel.bounded(10);
 * Coro.spawn(() -> { for (String s : List.of("a", "b")) ch.send(s); ch.close(); });
 * try {
 *     for (;;) System.out.println(ch.receive());
 * } catch (ChannelClosedException drained) { }
 * }</pre>
 *
 * @param <T> the item type
 */
public final class Channel<T> {
    private final int capacity;
    private final ArrayDeque<T> buffer = new ArrayDeque<>();
    private final dev.coro.internal.Sharing sharing = new dev.coro.internal.Sharing();
    /** Owned by the loop that made it or first used it, the channel needs no lock until another thread uses it. */
    private final Affinity affinity = new Affinity();
    private final WaitQueue senders = new WaitQueue(this, sharing);
    private final WaitQueue receivers = new WaitQueue(this, sharing);
    private boolean closed;

    private Channel(int capacity) {
        this.capacity = capacity;
    }

    /** A channel whose sends never wait. */
    public static <T> Channel<T> unbounded() {
        return new Channel<>(Integer.MAX_VALUE);
    }

    /** A channel holding at most {@code capacity} items; 0 makes every send wait for its receiver. */
    public static <T> Channel<T> bounded(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity is negative: " + capacity);
        }
        return new Channel<>(capacity);
    }

    /** Sends {@code item}, waiting while the channel is full. Throws ChannelClosedException if it is closed. */
    @Coroutine
    public void send(T item) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            send(item, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public void send(T item, Stack s) {
        if (Suspend.isResuming(s)) {
            Suspend.resumeWait(s, null);
            return;
        }
        requireItem(item);
        if (Suspend.inTask(s) && affinity.isOwner()) {
            offerOrWait(item, s, true); // a coroutine of the owner loop: no other thread can be in here
            return;
        }
        lockPath(s);
        WaitNode node;
        synchronized (this) {
            node = offerOrWait(item, s, false);
        }
        if (node != null && node.isPlainThread()) {
            Suspend.blockOn(node, 0);
            node.outcome();
        }
    }

    /**
     * Hands {@code item} over or buffers it; else enqueues the caller, who waits: its node. Caller holds the lock, or
     * is {@code alone}: the owner loop's thread, the only one that can touch the channel and its waiters now.
     */
    private WaitNode offerOrWait(T item, Stack s, boolean alone) {
        if (offerLocked(item, alone)) {
            return null;
        }
        WaitNode node = Suspend.prepareWait(s, "send on a full channel");
        node.value = item;
        senders.add(node);
        return node;
    }

    /**
     * Sends {@code item}, waiting at most {@code timeout} while the channel is full; false if it could not be sent in
     * time, and then it was not delivered. Throws ChannelClosedException if it is closed.
     */
    @Coroutine
    public boolean send(T item, Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return send(item, timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public boolean send(T item, Duration timeout, Stack s) {
        if (Suspend.isResuming(s)) {
            return Suspend.resumeWait(s, Boolean.FALSE) == null; // a taken item's node completes with null
        }
        requireItem(item);
        long nanos = Nanos.of(timeout);
        lockPath(s);
        WaitNode node;
        synchronized (this) {
            if (offerLocked(item, false)) {
                return true;
            }
            if (nanos <= 0) {
                return false;
            }
            node = Suspend.prepareWait(s, "send on a full channel (with timeout)");
            node.value = item;
            senders.add(node);
        }
        if (node.isPlainThread()) {
            if (!Suspend.blockOn(node, nanos)) {
                return false;
            }
            node.outcome(); // throws if a close failed it
            return true;
        }
        Suspend.timeoutWait(s, nanos);
        return false;
    }

    /** Sends without waiting; false if the channel is full. Throws ChannelClosedException if it is closed. */
    public boolean trySend(T item) {
        requireItem(item);
        if (affinity.isOwner()) {
            return offerLocked(item, true);
        }
        sharing.touch(); // a use by another thread: see lockPath
        affinity.share();
        synchronized (this) {
            return offerLocked(item, false);
        }
    }

    private boolean offerLocked(T item, boolean alone) {
        if (closed) {
            throw new ChannelClosedException("send on a closed channel");
        }
        WaitNode r;
        while ((r = receivers.pollWaiting()) != null) {
            if (alone ? r.completeAlone(item, this) : r.complete(item, this)) {
                return true;
            }
        }
        if (buffer.size() < capacity) {
            buffer.addLast(item);
            return true;
        }
        return false;
    }

    /** The next item, waiting while there is none. Throws ChannelClosedException once closed and drained. */
    @Coroutine
    public T receive() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return receive(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @SuppressWarnings("unchecked")
    public T receive(Stack s) {
        if (Suspend.isResuming(s)) {
            return (T) Suspend.resumeWait(s, null);
        }
        if (Suspend.inTask(s) && affinity.isOwner()) {
            T item = pollLocked(true); // a coroutine of the owner loop: no other thread can be in here
            if (item == null) {
                receivers.add(Suspend.prepareWait(s, "receive on an empty channel"));
            }
            return item;
        }
        lockPath(s);
        WaitNode node;
        synchronized (this) {
            T item = pollLocked(false);
            if (item != null) {
                return item;
            }
            node = Suspend.prepareWait(s, "receive on an empty channel");
            receivers.add(node);
        }
        if (node.isPlainThread()) {
            Suspend.blockOn(node, 0);
            return (T) node.outcome();
        }
        return null;
    }

    /**
     * The next item, waiting at most {@code timeout}; null if none came in time. Throws ChannelClosedException once
     * closed and drained.
     */
    @Coroutine
    public T receive(Duration timeout) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return receive(timeout, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    @SuppressWarnings("unchecked")
    public T receive(Duration timeout, Stack s) {
        if (Suspend.isResuming(s)) {
            return (T) Suspend.resumeWait(s, null);
        }
        long nanos = Nanos.of(timeout);
        lockPath(s);
        WaitNode node;
        synchronized (this) {
            T item = pollLocked(false);
            if (item != null || nanos <= 0) {
                return item;
            }
            node = Suspend.prepareWait(s, "receive on an empty channel (with timeout)");
            receivers.add(node);
        }
        if (node.isPlainThread()) {
            return Suspend.blockOn(node, nanos) ? (T) node.outcome() : null;
        }
        Suspend.timeoutWait(s, nanos);
        return null;
    }

    /** The next item if there is one now, else null. Throws ChannelClosedException once closed and drained. */
    public T tryReceive() {
        if (affinity.isOwner()) {
            return pollLocked(true);
        }
        sharing.touch(); // a use by another thread: see lockPath
        affinity.share();
        synchronized (this) {
            return pollLocked(false);
        }
    }

    private T pollLocked(boolean alone) {
        T item = buffer.pollFirst();
        if (item != null) {
            refillFromSenders(alone);
            return item;
        }
        WaitNode w;
        while ((w = senders.pollWaiting()) != null) { // rendezvous, or a full buffer of capacity 0
            @SuppressWarnings("unchecked")
            T offered = (T) w.value;
            if (alone ? w.completeAlone(null, null) : w.complete(null)) {
                return offered;
            }
        }
        if (closed) {
            throw new ChannelClosedException("receive on a closed and drained channel");
        }
        return null;
    }

    private void refillFromSenders(boolean alone) {
        WaitNode w;
        while (buffer.size() < capacity && (w = senders.pollWaiting()) != null) {
            @SuppressWarnings("unchecked")
            T offered = (T) w.value;
            if (alone ? w.completeAlone(null, null) : w.complete(null)) {
                buffer.addLast(offered);
            }
        }
    }

    /**
     * Closes the channel: later sends fail, receivers get what is buffered and then ChannelClosedException. Senders
     * still waiting fail too: their items were not delivered. Closing twice is harmless.
     */
    public void close() {
        lockPath(null);
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            WaitNode w;
            while ((w = receivers.pollWaiting()) != null) {
                w.fail(new ChannelClosedException("channel closed while receiving"));
            }
            while ((w = senders.pollWaiting()) != null) {
                w.fail(new ChannelClosedException("channel closed while sending; the item was not delivered"));
            }
        }
    }

    public boolean isClosed() {
        lockPath(null);
        synchronized (this) {
            return closed;
        }
    }

    /** Items buffered now. */
    public int size() {
        lockPath(null);
        synchronized (this) {
            return buffer.size();
        }
    }

    /** One item taken by {@link #select}: which channel it came from (its index in the arguments) and the item. */
    public static final class Selected {
        private final int index;
        private final Object item;

        Selected(int index, Object item) {
            this.index = index;
            this.item = item;
        }

        /** The index of the channel, in the order given to select. */
        public int index() {
            return index;
        }

        @SuppressWarnings("unchecked")
        public <T> T item() {
            return (T) item;
        }

        @Override
        public String toString() {
            return "Selected[" + index + ": " + item + "]";
        }
    }

    /**
     * Receives from whichever channel has an item first, waiting at most {@code timeout}; null if none came in time.
     * Channels are tried in argument order when several have items. A closed and drained channel throws.
     *
     * <pre>{@code
     * Channel.Selected s = Channel.select(Duration.ofSeconds(1), orders, cancellations);
     * if (s != null && s.index() == 0) handleOrder(s.item());
     * }</pre>
     */
    @Coroutine
    public static Selected select(Duration timeout, Channel<?>... channels) {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return select(timeout, channels, s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    /** @hidden */
    public static Selected select(Duration timeout, Channel<?>[] channels, Stack s) {
        if (Suspend.isResuming(s)) {
            Channel<?>[] saved = (Channel<?>[]) s.popA(); // this frame's state: args are gone on resume
            WaitNode node = Suspend.currentWait(s);
            try {
                Object item = Suspend.resumeWait(s, NOTHING);
                return item == NOTHING ? null : selected(saved, item, node.source);
            } finally {
                node.leaveQueues();
            }
        }
        if (channels.length == 0) {
            throw new IllegalArgumentException("select needs at least one channel");
        }
        for (int i = 0; i < channels.length; i++) {
            Object item = channels[i].tryReceive();
            if (item != null) {
                return new Selected(i, item);
            }
        }
        long nanos = Nanos.of(timeout);
        if (nanos <= 0) {
            return null;
        }
        WaitNode node = Suspend.prepareWait(s, "select over channels");
        WaitQueue[] qs = new WaitQueue[channels.length];
        for (int i = 0; i < channels.length; i++) {
            qs[i] = channels[i].receivers;
        }
        node.queues = qs;
        for (Channel<?> c : channels) {
            c.lockPath(s);
            synchronized (c) {
                if (c.closed && c.buffer.isEmpty() && c.senders.isEmpty()) {
                    // closed since the first look: close() failed the receivers it had, and this is not one yet.
                    // If another channel completed the node meanwhile, its item wins and the fail does nothing.
                    node.fail(new ChannelClosedException("receive on a closed and drained channel"));
                    break;
                }
                int got = node.select(c::pollLockedOrNull, c);
                if (got != WaitNode.NOTHING) {
                    break; // took an item from c, or another channel's sender completed the node meanwhile
                }
                c.receivers.addShared(node);
            }
        }
        if (node.isPlainThread()) {
            boolean got = Suspend.blockOn(node, nanos);
            node.leaveQueues();
            return got ? selected(channels, node.outcome(), node.source) : null;
        }
        Suspend.timeoutWait(s, nanos);
        s.pushA(channels);
        return null;
    }

    private static final Object NOTHING = new Object();

    private static Selected selected(Channel<?>[] channels, Object item, Object source) {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] == source) {
                return new Selected(i, item);
            }
        }
        throw new IllegalStateException("select got an item from a channel it did not wait on");
    }

    /** Like pollLocked, but null instead of throwing when closed and drained. */
    private T pollLockedOrNull() {
        if (closed && buffer.isEmpty() && senders.isEmpty()) {
            return null;
        }
        return pollLocked(false);
    }

    /**
     * Before taking the lock: a use by a thread other than the owner loop's. It counts as a touch (see {@code Sharing})
     * before ownership ends, so that the owner loop, woken to let go, already counts its waits here as ones another
     * thread can end, and asking the size or whether it is closed counts as much as a send. {@code s} null: an
     * operation that never waits.
     */
    private void lockPath(Stack s) {
        sharing.touch();
        if (s == null) {
            affinity.beforeLock();
        } else {
            affinity.beforeLock(s);
        }
    }

    private static void requireItem(Object item) {
        if (item == null) {
            throw new NullPointerException("a channel item must not be null");
        }
    }
}
