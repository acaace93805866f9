package dev.coro.tests.manager;

import dev.coro.AuthenticationException;
import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Manager;
import dev.coro.MessageQueue;
import dev.coro.Task;
import dev.coro.tests.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manager's optional TLS: encrypted round trips with HMAC on top, and clear failures for every mismatch. */
@Timeout(120)
class ManagerTlsTest {
    private static final byte[] KEY = "a shared secret".getBytes(StandardCharsets.UTF_8);
    /** The manager's: a self-signed certificate for localhost and 127.0.0.1. */
    private static SSLContext serverContext;
    /** Trusts exactly that certificate. */
    private static SSLContext clientContext;
    /** A manager certificate naming another host only (trusted by clientContext too). */
    private static SSLContext otherHostServerContext;

    private Manager manager;
    private final ManagerLog log = new ManagerLog();

    @BeforeAll
    static void keys() throws Exception {
        KeyStore server = TestKeys.keyPair("manager", "manager", "dns:localhost,ip:127.0.0.1");
        KeyStore other = TestKeys.keyPair("other", "other", "dns:other.example");
        serverContext = TestKeys.serving(server);
        otherHostServerContext = TestKeys.serving(other);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("manager", server.getCertificate("manager"));
        trust.setCertificateEntry("other", other.getCertificate("other"));
        clientContext = TestKeys.trusting(trust, "manager", "other");
    }

    @BeforeEach
    void listen() {
        log.start();
    }

    @AfterEach
    void stop() {
        log.stop();
        if (manager != null) {
            manager.shutdown();
        }
    }

    /** Ten or twenty TLS handshakes at once, the first ones loading JSSE, take seconds on a loaded two-core machine. */
    private Manager serveTls(SSLContext context) throws IOException {
        return serveTls(context, Duration.ofSeconds(20));
    }

    private Manager serveTls(SSLContext context, Duration handshakeTimeout) throws IOException {
        manager = Manager.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), KEY,
                new Manager.Options().tls(context).handshakeTimeout(handshakeTimeout));
        return manager;
    }

    /** A TLS client with the right trust and key is still served. */
    private void stillServesTls() throws Exception {
        Thread.sleep(150); // past the failure penalty of this address, if any
        try (Manager.Client c = Manager.connect(manager.address(), KEY, clientContext)) {
            MessageQueue<String> probe = c.queue("probe", Codec.strings());
            probe.put("ping");
            assertEquals("ping", probe.get(Duration.ofSeconds(5)));
        }
    }

    @Test
    void tlsRoundTripsFromCoroutinesAndThreadsIntact() throws Exception {
        serveTls(serverContext);
        MessageQueue<Long> tasks = manager.queue("tasks", Codec.longs());
        MessageQueue<byte[]> results = manager.queue("results", Codec.bytes());
        int n = 2_000;
        for (long i = 0; i < n; i++) {
            tasks.put(i);
        }
        // a big message: many TLS records per frame, and frames split across records
        byte[] big = new byte[300_000];
        new Random(7).nextBytes(big);
        // coroutine workers over one TLS connection, by host name (the certificate names localhost too)
        InetSocketAddress byName = new InetSocketAddress("localhost", manager.address().getPort());
        long sum = Coro.run(() -> {
            Manager.Client c = Manager.connect(byName, KEY, clientContext);
            try {
                List<Task<Long>> workers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    workers.add(Coro.spawn(() -> {
                        MessageQueue<Long> mine = c.queue("tasks", Codec.longs(), 16);
                        MessageQueue<byte[]> out = c.queue("results", Codec.bytes());
                        long s = 0;
                        Long t;
                        while ((t = mine.get(Duration.ofMillis(300))) != null) {
                            s += t;
                            out.put(java.nio.ByteBuffer.allocate(8).putLong(t * t).array());
                        }
                        mine.close();
                        return s;
                    }));
                }
                long total = 0;
                for (Task<Long> w : workers) {
                    total += w.join();
                }
                c.queue("results", Codec.bytes()).put(big);
                return total;
            } finally {
                c.close();
            }
        });
        assertEquals((long) n * (n - 1) / 2, sum, "every task taken exactly once");
        long squares = 0;
        for (int i = 0; i < n; i++) {
            squares += java.nio.ByteBuffer.wrap(results.get(Duration.ofSeconds(10))).getLong();
        }
        long want = 0;
        for (long i = 0; i < n; i++) {
            want += i * i;
        }
        assertEquals(want, squares);
        assertArrayEquals(big, results.get(Duration.ofSeconds(10)), "300 KB intact through TLS");
        // and from a plain thread, by IP address: the manager puts, the client gets the big one back
        try (Manager.Client c = Manager.connect(manager.address(), KEY, clientContext, Duration.ofSeconds(10))) {
            MessageQueue<byte[]> back = c.queue("results", Codec.bytes());
            results.put(big);
            assertArrayEquals(big, back.get(Duration.ofSeconds(10)));
        }
    }

    /**
     * The manager's broker thread does not run the handshakes' delegated tasks (here the server's key choice, which
     * the JDK makes inside one): coro's TLS socket hands them to {@code Coro.blocking}'s pool while its task waits,
     * so a handshake does not stall the other connections.
     */
    @Test
    void handshakeTasksRunOffTheBrokerThread() throws Exception {
        KeyStore server = TestKeys.keyPair("manager2", "manager2", "dns:localhost,ip:127.0.0.1");
        javax.net.ssl.X509ExtendedKeyManager keys =
                (javax.net.ssl.X509ExtendedKeyManager) TestKeys.keyManagers(server).getKeyManagers()[0];
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        javax.net.ssl.X509ExtendedKeyManager recording = new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers,
                                                  javax.net.ssl.SSLEngine engine) {
                threads.add(Thread.currentThread().getName());
                calls.incrementAndGet();
                return keys.chooseEngineServerAlias(keyType, issuers, engine);
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers,
                                                  javax.net.ssl.SSLEngine engine) {
                return keys.chooseEngineClientAlias(keyType, issuers, engine);
            }

            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return keys.getClientAliases(keyType, issuers);
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, Socket socket) {
                return keys.chooseClientAlias(keyType, issuers, socket);
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return keys.getServerAliases(keyType, issuers);
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, Socket socket) {
                threads.add(Thread.currentThread().getName());
                calls.incrementAndGet();
                return keys.chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
                return keys.getCertificateChain(alias);
            }

            @Override
            public java.security.PrivateKey getPrivateKey(String alias) {
                return keys.getPrivateKey(alias);
            }
        };
        SSLContext serving = SSLContext.getInstance("TLS");
        serving.init(new javax.net.ssl.KeyManager[] {recording}, null, null);
        SSLContext trusting = TestKeys.trusting(server, "manager2");
        serveTls(serving);
        int clients = 10;
        for (int i = 0; i < clients; i++) {
            manager.queue("probe-" + i, Codec.strings());
        }
        List<String> got = Coro.run(() -> {
            List<Task<String>> ts = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String text = "hello " + i;
                String name = "probe-" + i;
                ts.add(Coro.spawn(() -> {
                    Manager.Client c = Manager.connect(manager.address(), KEY, trusting);
                    try {
                        MessageQueue<String> q = c.queue(name, Codec.strings());
                        q.put(text);
                        String back = q.get(Duration.ofSeconds(10));
                        q.ack();
                        return back;
                    } finally {
                        c.close();
                    }
                }));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : ts) {
                out.add(t.join());
            }
            return out;
        });
        for (int i = 0; i < clients; i++) {
            assertEquals("hello " + i, got.get(i));
        }
        // (a client may resume its context's earlier session: no key choice then)
        assertTrue(calls.get() > 0, "the key choice never ran");
        for (String t : threads) {
            assertTrue(t.startsWith("coro-blocking-"), "a handshake task ran on " + t);
        }
    }

    @Test
    void aPlainClientAgainstATlsManagerFailsClearlyAndOthersAreStillServed() throws Exception {
        serveTls(serverContext);
        manager.queue("probe", Codec.strings());
        IOException e = assertThrows(IOException.class, () -> Manager.connect(manager.address(), KEY,
                Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("cannot connect to the manager at") && e.getMessage().contains(
                "if the manager serves TLS"), e.getMessage());
        assertTrue(log.logged("TLS failed").contains("a client without TLS"), log.toString());
        stillServesTls();
    }

    @Test
    void aTlsClientAgainstAPlainManagerFailsClearly() throws Exception {
        manager = Manager.serve(0, KEY);
        manager.queue("probe", Codec.strings());
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> Manager.connect(manager.address(), KEY, clientContext, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("cannot connect to the manager at") && e.getMessage().contains(
                "does it serve TLS"), e.getMessage());
        // the plain manager logged a bad hello and goes on serving plain clients
        assertTrue(log.logged("bad hello").contains("a TLS handshake: this side does not serve TLS"), log.toString());
        try (Manager.Client c = Manager.connect(manager.address(), KEY)) {
            MessageQueue<String> probe = c.queue("probe", Codec.strings());
            probe.put("ping");
            assertEquals("ping", probe.get(Duration.ofSeconds(5)));
        }
    }

    @Test
    void anUntrustedCertificateFailsClearlyAndOthersAreStillServed() throws Exception {
        serveTls(serverContext);
        manager.queue("probe", Codec.strings());
        SSLContext untrusting = SSLContext.getInstance("TLS");
        untrusting.init(null, null, null); // the JDK's default trust store: the self-signed certificate is not in it
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> Manager.connect(manager.address(), KEY, untrusting, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("cannot connect to the manager at " + manager.address().getHostString()),
                e.getMessage());
        assertTrue(e.getMessage().contains("certification path") || e.getMessage().contains("PKIX"),
                "says the certificate is not trusted: " + e.getMessage());
        log.logged("TLS failed");
        stillServesTls();
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        serveTls(otherHostServerContext); // trusted, but names other.example only
        manager.queue("probe", Codec.strings());
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> Manager.connect(manager.address(), KEY, clientContext, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("127.0.0.1"), "names the host that did not match: " + e.getMessage());
    }

    @Test
    void hmacAuthenticationStillRunsInsideTls() throws Exception {
        serveTls(serverContext);
        manager.queue("probe", Codec.strings());
        byte[] wrong = Arrays.copyOf(KEY, KEY.length);
        wrong[0] ^= 1;
        AuthenticationException e = assertThrows(AuthenticationException.class,
                () -> Manager.connect(manager.address(), wrong, clientContext, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("authentication with the manager at"), e.getMessage());
        stillServesTls();
    }

    @Test
    void aPeerThatNeverStartsTlsIsDroppedAfterTheHandshakeTimeout() throws Exception {
        serveTls(serverContext, Duration.ofMillis(800));
        manager.queue("probe", Codec.strings());
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), manager.address().getPort())) {
            assertTrue(log.logged("no hello and handshake within").contains("connection closed"), log.toString());
            silent.setSoTimeout(5_000);
            // at most a TLS alert record, then the end
            byte[] rest = silent.getInputStream().readAllBytes();
            assertTrue(rest.length == 0 || rest[0] == 21, "only an alert before the close: " + rest.length
                    + " bytes, first " + (rest.length > 0 ? rest[0] : -1));
        }
        stillServesTls();
    }

    /**
     * A connection, TLS included, is carried by coro's cooperative IO on both sides: on the client, a reader and a
     * writer task per connection on one loop thread for the whole process; on the manager, a reader and a writer task
     * per connection on its loop; no threads of their own. Closing a client ends its tasks.
     */
    @Test
    void clientConnectionsAreTasksOfOneIoLoopThreadWhateverTheirNumber() throws Exception {
        serveTls(serverContext);
        int n = 10;
        for (int i = 0; i < 2 * n; i++) {
            manager.queue("q-" + i, Codec.strings());
        }
        List<String> threadsBefore = ownThreads();
        List<Manager.Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) { // from a plain thread
                clients.add(Manager.connect(manager.address(), KEY, clientContext));
            }
            clients.addAll(Coro.run(() -> { // and from coroutines of one loop, at once
                List<Task<Manager.Client>> ts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ts.add(Coro.spawn(() -> Manager.connect(manager.address(), KEY, clientContext)));
                }
                List<Manager.Client> cs = new ArrayList<>();
                for (Task<Manager.Client> t : ts) {
                    cs.add(t.join());
                }
                return cs;
            }));
            for (int i = 0; i < clients.size(); i++) {
                MessageQueue<String> q = clients.get(i).queue("q-" + i, Codec.strings());
                q.put("m" + i);
                assertEquals("m" + i, q.get(Duration.ofSeconds(10)));
                q.ack();
            }
            String at = "tcp:127.0.0.1:" + manager.address().getPort();
            String dump = Coro.dump();
            assertEquals(2 * n, occurrences(dump, "coro-queue-reader " + at + ":"), dump);
            assertEquals(2 * n, occurrences(dump, "coro-queue-writer " + at + ":"), dump);
            // and on the manager's side, a reader and a writer task per connection on its loop
            assertEquals(2 * n, occurrences(dump, "  read /127.0.0.1:"), dump);
            assertEquals(2 * n, occurrences(dump, "  write /127.0.0.1:"), dump);
            long io = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("coro-queue-io"))
                    .count();
            assertEquals(1, io, "one IO loop thread for every connection");
            List<String> added = ownThreads();
            for (String t : threadsBefore) {
                added.remove(t);
            }
            assertTrue(added.size() <= 1, "threads started for " + 2 * n + " connections: " + added);
        } finally {
            for (Manager.Client c : clients) {
                c.close();
            }
        }
        String at = "tcp:127.0.0.1:" + manager.address().getPort();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String dump = Coro.dump();
        while (clientTasks(dump, at) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            dump = Coro.dump();
        }
        assertEquals(0, clientTasks(dump, at), "closed connections left tasks behind:\n" + dump);
    }

    private static int clientTasks(String dump, String at) {
        return occurrences(dump, "coro-queue-reader " + at) + occurrences(dump, "coro-queue-writer " + at);
    }

    /** Live threads, leaving out the offload pool and the loops' watchdog, whose number does not depend on connections. */
    private static List<String> ownThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (!name.startsWith("coro-blocking-") && !name.equals("coro-watchdog")) {
                names.add(name);
            }
        }
        return names;
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            count++;
        }
        return count;
    }

    /**
     * A server that accepts and never answers: connecting gives up after its timeout with a clear error, plain or
     * TLS (the wait is then in coro's TLS handshake), and a coroutine waiting for it leaves its loop running.
     */
    @Test
    void aConnectToAServerThatNeverAnswersTimesOutWhileTheLoopRunsOn() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort());
            IOException plain = assertThrows(IOException.class, () -> Manager.connect(at, KEY,
                    Duration.ofMillis(300)));
            assertTrue(plain.getMessage().contains("did not complete the hello and handshake within 300 ms"),
                    plain.getMessage());
            int[] ticks = new int[1];
            String[] tls = Coro.run(() -> {
                Task<Void> ticker = Coro.spawn(() -> {
                    for (;;) {
                        Coro.sleep(10);
                        ticks[0]++;
                    }
                });
                try {
                    Manager.connect(at, KEY, clientContext, Duration.ofMillis(400));
                    return new String[] {"connected"};
                } catch (IOException e) {
                    return new String[] {e.getClass().getName(), e.getMessage()};
                } finally {
                    ticker.cancel();
                }
            });
            assertEquals(IOException.class.getName(), tls[0], Arrays.toString(tls));
            assertTrue(tls[1].contains("did not complete the hello and handshake within 400 ms"), tls[1]);
            assertTrue(ticks[0] >= 10, "the loop stood still while connecting: " + ticks[0] + " ticks");
        }
    }
}
