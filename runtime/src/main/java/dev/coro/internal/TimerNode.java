package dev.coro.internal;

/** A timer in a {@link TimerHeap}; subclasses say what firing does. Reused, so arming one allocates nothing. */
abstract class TimerNode {
    long deadline;
    long seq;
    int index = -1;

    boolean isScheduled() {
        return index >= 0;
    }

    abstract void fire(Loop loop);
}
