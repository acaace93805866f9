package dev.coro.tests.primitives;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.CoroutineCallable;
import dev.coro.CoroutineRunnable;
import dev.coro.Event;
import dev.coro.Lock;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Method references to the primitives' own coroutine methods ({@code task::join}, {@code channel::receive}...) are
 * coroutines like the equivalent lambdas: the README promises that a reference to an annotated method works.
 */
class MethodReferencesTest extends PrimitiveTest {

    @Test
    void aReferenceToTaskJoinSuspends() {
        String r = Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> {
                Coro.sleep(10);
                return "joined";
            });
            CoroutineCallable<String> join = t::join;
            return join.call();
        });
        assertEquals("joined", r);
    }

    @Test
    void referencesToChannelReceiveAndEventAwaitAndLockLockSuspendAsTaskBodies() {
        List<String> log = Coro.run(() -> {
            List<String> l = new ArrayList<>();
            Channel<String> ch = Channel.unbounded();
            Event ev = new Event();
            Lock lock = new Lock();
            CoroutineCallable<String> receive = ch::receive;
            CoroutineRunnable await = ev::await;
            CoroutineRunnable yield = Coro::yield;
            Task<String> r = Coro.spawn(receive);
            Task<Void> e = Coro.spawn(await);
            yield.run();
            ch.send("item");
            ev.set();
            l.add(r.join());
            e.join();
            lock.lock();
            CoroutineRunnable takeLock = lock::lock;
            Task<Void> waiter = Coro.spawn(takeLock);
            Coro.yield();
            l.add("waiter waits: " + !waiter.isDone());
            lock.unlock();
            waiter.join();
            l.add("waiter holds it: " + lock.isLocked());
            return l;
        });
        assertEquals(List.of("item", "waiter waits: true", "waiter holds it: true"), log);
    }
}
