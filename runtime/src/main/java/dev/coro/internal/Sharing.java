package dev.coro.internal;

/**
 * Whether a primitive (channel, event, lock...) may be used by more than one thread. A loop declares a deadlock
 * only when nothing can wake its tasks; a wait on a shared primitive might be ended by another thread at any time,
 * so it does not count. A primitive is shared once made outside a loop, or touched by a thread other than the one
 * that made it; one made inside a loop and handed to another thread before that thread touches it is the case this
 * cannot see.
 */
public final class Sharing {
    private final Thread creator = Thread.currentThread();
    private volatile boolean shared = Loop.current() == null;

    /** A use by the calling thread: the primitive is shared from now on if another thread made it. */
    public void touch() {
        if (!shared && Thread.currentThread() != creator) {
            shared = true;
        }
    }

    boolean isShared() {
        return shared;
    }
}
