package dev.coro.tests.libraries;

import com.sun.net.httpserver.HttpServer;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK's HttpClient, called with its blocking {@code send} from coroutines: the patch turns it into
 * {@code sendAsync} plus a suspension, so a thousand requests to a server that answers after 100 ms overlap on one
 * loop thread. And the JDK's HttpURLConnection, whose blocking stack the patch runs off the loop (on virtual
 * threads from JDK 21, else on an elastic pool): a thousand of those overlap too.
 */
class HttpClientTest {
    private static HttpServer server;
    private static ExecutorService serverThreads;
    private static URI base;

    @BeforeAll
    static void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2000);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/slow", exchange -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = exchange.getRequestURI().getQuery().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Coroutine
    static String get(HttpClient client, int i) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/slow?n=" + i)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + ":" + response.body();
    }

    @Test
    void aThousandBlockingSendsOverlapOnOneLoop() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        get(client, -1); // outside a coroutine: the JDK's blocking send, and a warm-up
        long start = System.nanoTime();
        List<String> answers = Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int n = i;
                tasks.add(Coro.spawn(() -> get(client, n)));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : tasks) {
                out.add(t.join());
            }
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("1000 HttpClient.send calls, 100 ms each, from one loop: " + ms + " ms");
        for (int i = 0; i < 1000; i++) {
            assertEquals("200:n=" + i, answers.get(i));
        }
        // one after another: 100 s
        assertTrue(ms < 10_000, "the requests did not overlap: " + ms + " ms");
    }

    @Coroutine
    static String getWithUrlConnection(int i) throws IOException {
        HttpURLConnection c = (HttpURLConnection) base.resolve("/slow?n=" + i).toURL().openConnection();
        try (InputStream in = c.getInputStream()) {
            return c.getResponseCode() + ":" + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aThousandHttpUrlConnectionsOverlapOnOneLoop() throws Exception {
        getWithUrlConnection(-1); // outside a coroutine: the JDK's own blocking call, and a warm-up
        long start = System.nanoTime();
        List<String> threads = new ArrayList<>();
        List<String> answers = Coro.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int n = i;
                tasks.add(Coro.spawn(() -> {
                    threads.add(Thread.currentThread().getName());
                    return getWithUrlConnection(n);
                }));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> t : tasks) {
                out.add(t.join());
            }
            return out;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("1000 HttpURLConnection requests, 100 ms each, from one loop: " + ms + " ms");
        for (int i = 0; i < 1000; i++) {
            assertEquals("200:n=" + i, answers.get(i));
        }
        assertEquals(1, threads.stream().distinct().count(), "every task ran on the loop thread");
        // one after another: 100 s
        assertTrue(ms < 10_000, "the requests did not overlap: " + ms + " ms");
    }
}
