package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.TaskFailedException;
import dev.coro.tests.TestKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TLS handshake's delegated tasks (certificate checks, key agreement: milliseconds of CPU) run on the blocking
 * pool while the coroutine suspends, not on the loop thread. The trust and key managers the test installs run
 * inside those tasks, so they record the thread each ran on.
 */
class TlsHandshakeOffloadTest {
    private static KeyStore keys;
    private static X509ExtendedKeyManager serverKeys;
    private static X509ExtendedTrustManager clientTrust;

    /** Where each trust/key manager call ran: the threads, and how many calls. */
    static final class Record {
        final Map<Thread, AtomicInteger> threads = new ConcurrentHashMap<>();

        void here() {
            threads.computeIfAbsent(Thread.currentThread(), t -> new AtomicInteger()).incrementAndGet();
        }

        int calls() {
            return threads.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    @BeforeAll
    static void keys() throws Exception {
        keys = TestKeys.localhost();
        serverKeys = (X509ExtendedKeyManager) TestKeys.keyManagers(keys).getKeyManagers()[0];
        clientTrust = (X509ExtendedTrustManager) TestKeys.trustManagers(keys, "server").getTrustManagers()[0];
    }

    static SSLContext context(KeyManager keyManager, TrustManager trustManager) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(keyManager == null ? null : new KeyManager[] {keyManager},
                trustManager == null ? null : new TrustManager[] {trustManager}, null);
        return c;
    }

    /** A trust manager that records where the server's certificate is checked, and then checks it. */
    static X509ExtendedTrustManager recordingTrust(X509ExtendedTrustManager d, Record r) {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                r.here();
                d.checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                r.here();
                d.checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                r.here();
                d.checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                r.here();
                d.checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                r.here();
                d.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                r.here();
                d.checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return d.getAcceptedIssuers();
            }
        };
    }

    /** A key manager that records where the server picks its key (while it handles the ClientHello). */
    static X509ExtendedKeyManager recordingKeys(X509ExtendedKeyManager d, Record r) {
        return new X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                r.here();
                return d.chooseEngineServerAlias(keyType, issuers, engine);
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                r.here();
                return d.chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return d.chooseEngineClientAlias(keyType, issuers, engine);
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return d.chooseClientAlias(keyType, issuers, socket);
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return d.getClientAliases(keyType, issuers);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return d.getServerAliases(keyType, issuers);
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return d.getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return d.getPrivateKey(alias);
            }
        };
    }

    // ---- the code under test: ordinary blocking TLS code, rewritten because it is @Coroutine ----

    @Coroutine
    static String tlsEcho(SSLContext context, int port, String text) throws Exception {
        SSLSocketFactory f = context.getSocketFactory();
        try (Socket s = f.createSocket("localhost", port)) {
            s.setSoTimeout(30_000);
            ((SSLSocket) s).startHandshake();
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            String reply = new String(TlsPatchTest.readFully(s.getInputStream(), 16), StandardCharsets.US_ASCII);
            return reply + "/" + s.getClass().getSimpleName();
        }
    }

    /** Ticks every 5 ms until {@code stop}: the gaps between ticks, in ms. */
    @Coroutine
    static List<Long> ticker(boolean[] stop) throws InterruptedException {
        List<Long> gaps = new ArrayList<>();
        long last = System.nanoTime();
        while (!stop[0]) {
            Thread.sleep(5);
            long now = System.nanoTime();
            gaps.add(TimeUnit.NANOSECONDS.toMillis(now - last));
            last = now;
        }
        return gaps;
    }

    /** The JDK's TLS server on plain threads: echoes one 16-byte message per connection. */
    static ExecutorService jdkServer(ServerSocket server, int connections) {
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        pool.execute(() -> {
            for (int i = 0; i < connections; i++) {
                try {
                    Socket s = server.accept();
                    pool.execute(() -> {
                        try (s) {
                            byte[] msg = s.getInputStream().readNBytes(16);
                            s.getOutputStream().write(msg);
                        } catch (IOException e) {
                            // an untrusting client gives up
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return pool;
    }

    static void assertOnPoolThreadsOnly(Record r, Thread loop, int atLeast) {
        assertTrue(r.calls() >= atLeast, "the managers ran " + r.calls() + " times, expected " + atLeast);
        assertFalse(r.threads.containsKey(loop), "a delegated task ran on the loop thread: " + r.threads);
        for (Thread t : r.threads.keySet()) {
            assertTrue(t.getName().startsWith("coro-blocking-"), "a delegated task ran on " + t.getName());
        }
    }

    // ---- tests ----

    @Test
    void twentyClientHandshakesRunTheirTasksOnThePoolWhileATickerTicks() throws Exception {
        int clients = 20;
        Record trust = new Record();
        // a context per client: none resumes another's session, every handshake is a full one
        List<SSLContext> contexts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            contexts.add(context(null, recordingTrust(clientTrust, trust)));
        }
        SSLContext server = context(serverKeys, null);
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            ExecutorService pool = jdkServer(ss, clients);
            try {
                Thread loop = Thread.currentThread();
                List<Object> out = Coro.run(() -> {
                    boolean[] stop = {false};
                    Task<List<Long>> tick = Coro.spawn(() -> ticker(stop));
                    List<Task<String>> tasks = new ArrayList<>();
                    for (int i = 0; i < clients; i++) {
                        String text = String.format("client-%09d", i);
                        SSLContext client = contexts.get(i);
                        tasks.add(Coro.spawn(() -> tlsEcho(client, ss.getLocalPort(), text)));
                    }
                    List<Object> replies = new ArrayList<>();
                    for (Task<String> t : tasks) {
                        replies.add(t.join());
                    }
                    stop[0] = true;
                    replies.add(tick.join());
                    return replies;
                });
                for (int i = 0; i < clients; i++) {
                    assertEquals(String.format("client-%09d", i) + "/CoSSLSocket", out.get(i));
                }
                @SuppressWarnings("unchecked")
                List<Long> gaps = (List<Long>) out.get(clients);
                long max = gaps.stream().mapToLong(Long::longValue).max().orElse(-1);
                System.out.println("TLS offload: " + clients + " client handshakes, the 5 ms ticker ticked "
                        + gaps.size() + " times, longest gap " + max + " ms; trust checks on " + trust.threads.size()
                        + " pool threads");
                assertFalse(gaps.isEmpty(), "the ticker never ticked");
                assertOnPoolThreadsOnly(trust, loop, clients);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** The server side in coroutines: the key choice (ClientHello processing) runs on the pool too. */
    @Test
    void serverHandshakesInCoroutinesRunTheirTasksOnThePool() throws Exception {
        int clients = 20;
        Record keysUsed = new Record();
        SSLContext server = context(recordingKeys(serverKeys, keysUsed), null);
        ServerSocket ss = Coro.run(() -> TlsPatchTest.tlsServer(server));
        Thread[] loop = new Thread[1];
        Thread serverLoop = new Thread(() -> {
            loop[0] = Thread.currentThread();
            Coro.run(() -> {
                TlsPatchTest.acceptLoop(ss, clients, 0);
                ss.close();
            });
        }, "tls-server-loop");
        serverLoop.start();
        List<Thread> threads = new ArrayList<>();
        List<String> replies = new CopyOnWriteArrayList<>();
        for (int i = 0; i < clients; i++) {
            String text = String.format("jdk-client-%05d", i);
            SSLContext client = context(null, clientTrust); // its own: no session to resume, a full handshake
            Thread t = new Thread(() -> {
                try {
                    replies.add(TlsPatchTest.jdkEcho(client, ss.getLocalPort(), text));
                } catch (Exception e) {
                    replies.add(e.toString());
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        serverLoop.join(30_000);
        assertFalse(serverLoop.isAlive(), "the server loop did not end");
        assertEquals(clients, replies.size());
        for (String r : replies) {
            assertTrue(r.matches("jdk-client-\\d{5}/SSLSocketImpl"), r);
        }
        assertOnPoolThreadsOnly(keysUsed, loop[0], clients);
    }

    /** A plain thread's write on the socket: plain code, not rewritten (it blocks). */
    static Thread plainWrite(Socket s, byte[] data, List<String> errors) {
        Thread t = new Thread(() -> {
            try {
                s.getOutputStream().write(data);
            } catch (IOException e) {
                errors.add(e.toString());
            }
        }, "plain-writer");
        t.start();
        return t;
    }

    static void joinPlain(Thread t) throws InterruptedException {
        t.join(30_000);
    }

    /** A coroutine reads (and so handshakes) while a plain thread writes (and handshakes) on the same socket. */
    @Coroutine
    static String mixedEcho(SSLContext context, int port, String text, List<String> errors) throws Exception {
        try (Socket s = context.getSocketFactory().createSocket("localhost", port)) {
            s.setSoTimeout(30_000);
            Thread writer = plainWrite(s, text.getBytes(StandardCharsets.US_ASCII), errors);
            String reply = new String(TlsPatchTest.readFully(s.getInputStream(), 16), StandardCharsets.US_ASCII);
            joinPlain(writer); // it has written: the reply came
            return reply;
        }
    }

    /**
     * A plain thread on a socket whose handshake a coroutine drives: when it finds the delegated tasks running on
     * the pool it waits for them (the engine is busy meanwhile), then goes on; both sides get through.
     */
    @Test
    void aPlainThreadAndACoroutineShareOneHandshake() throws Exception {
        int rounds = 20;
        SSLContext server = context(serverKeys, null);
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            ExecutorService pool = jdkServer(ss, rounds);
            try {
                List<String> errors = new CopyOnWriteArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    String text = String.format("mixed-%010d", i);
                    SSLContext client = context(null, clientTrust);
                    assertEquals(text, Coro.run(() -> mixedEcho(client, ss.getLocalPort(), text, errors)));
                }
                assertEquals(List.of(), errors);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void anUntrustedCertificateFailsInACoroutineWithTheJdksException() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null); // the JDK's default trust store: the self-signed key is not in it
        X509ExtendedTrustManager untrustingJdk = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        Record trust = new Record();
        SSLContext untrusting = context(null, recordingTrust(untrustingJdk, trust));
        SSLContext server = context(serverKeys, null);
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            ExecutorService pool = jdkServer(ss, 2);
            try {
                SSLHandshakeException plain = assertThrows(SSLHandshakeException.class,
                        () -> TlsPatchTest.jdkEcho(untrusting, ss.getLocalPort(), "x".repeat(16)));
                trust.threads.clear();
                Thread loop = Thread.currentThread();
                Throwable patched = assertThrows(TaskFailedException.class,
                        () -> Coro.run(() -> tlsEcho(untrusting, ss.getLocalPort(), "y".repeat(16)))).getCause();
                assertEquals(SSLHandshakeException.class, patched.getClass());
                assertEquals(plain.getMessage(), patched.getMessage());
                assertNotEquals(null, plain.getMessage());
                assertOnPoolThreadsOnly(trust, loop, 1);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
