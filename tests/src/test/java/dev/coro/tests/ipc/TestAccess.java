package dev.coro.tests.ipc;

import dev.coro.Codec;
import dev.coro.ProcessQueue;
import dev.coro.internal.ipc.Endpoint;
import dev.coro.internal.ipc.LocalBroker;

import java.lang.reflect.Constructor;

/** Test helpers around the handover format and the package-private ways of making handles. */
final class TestAccess {
    private TestAccess() {
    }

    /** address, name, codec spec of a queue's handover. */
    static String[] fields(ProcessQueue<?> q) {
        String spec = q.handover();
        return LocalBroker.split(spec.substring("queue:".length()), 3, "queue");
    }

    /** The broker address of a pipe end's handover. */
    static String pipeAddress(dev.coro.Pipe.End<?> end) {
        return LocalBroker.split(end.handover().substring("pipe:".length()), 4, "pipe")[0];
    }

    /** A ProcessQueue handle on an arbitrary endpoint (e.g. a socket client's in this process). */
    @SuppressWarnings("unchecked")
    static <T> ProcessQueue<T> wrap(Codec<T> codec, Endpoint e) {
        try {
            Constructor<?> k = ProcessQueue.class.getDeclaredConstructor(Codec.class, Endpoint.class);
            k.setAccessible(true);
            return (ProcessQueue<T>) k.newInstance(codec, e);
        } catch (ReflectiveOperationException ex) {
            throw new AssertionError(ex);
        }
    }
}
