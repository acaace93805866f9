package dev.coro.internal;

/** A timer in a {@link TimerHeap}; subclasses say what firing does. Reused, so arming one allocates nothing. */
abstract class TimerNode {
    boolean scheduled;
    /** Bumped when it is unscheduled early: the heap's entry for the old schedule is stale from then on. */
    int gen;
    /** Its current entry is in the heap's run, not in the heap proper. */
    boolean inRun;

    boolean isScheduled() {
        return scheduled;
    }

    abstract void fire(Loop loop);
}
