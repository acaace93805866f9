package dev.coro.tests.manager;

import dev.coro.Coro;
import dev.coro.Manager;
import dev.coro.Task;
import dev.coro.tests.TestKeys;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ten TLS connections to a manager made at once from coroutines of one loop, forty times over, all complete. This
 * used to stall within a few rounds: the manager's writer task, whose handshake step read the client's records
 * that followed its Finished (its first data) from the channel into the TLS buffer, left the reader task waiting for
 * the channel to become readable, which it never became again; both ends then waited until the connect timeout.
 * If a round takes more than 3 s, the loops and threads are printed ({@code Coro.dump()} and every stack).
 */
class ManagerTlsStallTest {
    @Test
    void tenTlsConnectionsAtOnceCompleteRoundAfterRound() throws Exception {
        byte[] key = "a shared secret".getBytes(StandardCharsets.UTF_8);
        KeyStore server = TestKeys.keyPair("manager", "manager", "dns:localhost,ip:127.0.0.1");
        SSLContext serving = TestKeys.serving(server);
        SSLContext trusting = TestKeys.trusting(server, "manager");
        for (int round = 0; round < 40; round++) {
            Manager manager = Manager.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), key,
                    new Manager.Options().tls(serving).handshakeTimeout(Duration.ofSeconds(20)));
            int r = round;
            Thread spy = new Thread(() -> {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    return;
                }
                StringBuilder b = new StringBuilder("stalled in round " + r + "\n" + Coro.dump() + "\n");
                for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                    b.append("--- ").append(e.getKey().getName()).append('\n');
                    for (StackTraceElement el : e.getValue()) {
                        b.append("    ").append(el).append('\n');
                    }
                }
                System.err.println(b);
            });
            spy.setDaemon(true);
            spy.start();
            try {
                List<Manager.Client> cs = Coro.run(() -> {
                    List<Task<Manager.Client>> ts = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        ts.add(Coro.spawn(() -> Manager.connect(manager.address(), key, trusting,
                                Duration.ofSeconds(6))));
                    }
                    List<Manager.Client> out = new ArrayList<>();
                    for (Task<Manager.Client> t : ts) {
                        out.add(t.join());
                    }
                    return out;
                });
                for (Manager.Client c : cs) {
                    c.close();
                }
            } finally {
                spy.interrupt();
                manager.shutdown();
            }
        }
    }
}
