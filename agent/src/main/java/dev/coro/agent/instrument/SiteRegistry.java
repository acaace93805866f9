package dev.coro.agent.instrument;

/**
 * Where the ids a rewritten method saves as its resume points come from. An id names its suspension point (class,
 * method, line, callee), so that a dump can tell in which frames a coroutine is suspended from its saved frames
 * alone, at no cost to the suspension itself.
 */
public interface SiteRegistry {
    /**
     * Registers the suspension points of one method, in order; returns the id of the first (point k gets first + k).
     *
     * @param owner     the class, internal name
     * @param file      its source file, or null
     * @param lines     per point, its source line, or 0
     * @param callees   per point, the method called there, as the source names it ({@code a.b.C.m})
     * @param savedInts per point, how many ints (and floats) the frame saves there besides its resume point
     */
    int register(String owner, String method, String file, int[] lines, String[] callees, int[] savedInts);

    /** The runtime's table, which its dumps read: the one every class loaded in this JVM must use. */
    SiteRegistry RUNTIME = dev.coro.internal.Sites::register;
}
