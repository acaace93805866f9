package dev.coro.tests.loop;

import dev.coro.Channel;
import dev.coro.Coro;
import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Coro.dump() lists every live task with its state and what it waits on. */
class DumpTest {

    @Coroutine
    static int waitForIt(Channel<Integer> ch) {
        return ch.receive();
    }

    @Test
    void dumpNamesEachTaskAndItsWait() {
        String dump = Coro.run(() -> {
            Channel<Integer> ch = Channel.unbounded();
            Coro.spawn("receiver", () -> waitForIt(ch));
            Coro.spawn("sleeper", () -> Coro.sleep(10_000));
            Coro.sleep(10);
            String d = Coro.dump();
            ch.send(1);
            return d;
        });
        assertTrue(dump.contains("receiver: suspended on receive on an empty channel"), dump);
        assertTrue(dump.contains("sleeper: suspended on sleep"), dump);
        assertTrue(dump.contains("main: running"), dump);
        assertTrue(dump.startsWith("loop on thread "), dump);
    }
}
