package dev.coro.internal.ipc;

/**
 * An object that a parent hands to a child process (a process queue, a pipe end): it travels as a spec string on
 * the child's command line or start-up message, and the child attaches to the same underlying object with
 * {@link #restore}. The spec comes from the parent, never from a network peer.
 */
public interface Handover {
    /** {@code kind:rest}; the kind selects the restorer. */
    String handover();

    /** The object {@code spec} describes, attached in this process. */
    static Object restore(String spec) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String rest = colon < 0 ? "" : spec.substring(colon + 1);
        switch (kind) {
            case "queue":
                return dev.coro.ProcessQueue.restoreHandover(rest);
            case "pipe":
                return dev.coro.Pipe.restoreHandover(rest);
            default:
                throw new IllegalArgumentException("unknown handover kind '" + kind + "' in " + spec);
        }
    }
}
