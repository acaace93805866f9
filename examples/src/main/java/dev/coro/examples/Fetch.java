package dev.coro.examples;

import com.sun.net.httpserver.HttpServer;
import dev.coro.Coro;
import dev.coro.Coroutine;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The seed document's gevent example: three URLs fetched with plain blocking {@code URL.openStream()}, started as
 * coroutines and joined. With the agent the fetches overlap and finish in the order the servers answer; without it
 * they would run one after another. The example starts its own local HTTP servers, with different delays.
 *
 * <pre>java -javaagent:coro-agent.jar -cp ... dev.coro.examples.Fetch [delay unit in ms, default 300]</pre>
 */
public class Fetch {
    @Coroutine
    static void fetch(String url) throws IOException {
        try (InputStream in = new URL(url).openStream()) {
            System.out.println(in.readAllBytes().length + " bytes from " + url);
        }
    }

    public static void main(String[] args) throws Exception {
        int unit = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "http-server");
            t.setDaemon(true);
            return t;
        }));
        // /a answers last, /c first
        for (String[] route : new String[][] {{"/a", "3"}, {"/b", "2"}, {"/c", "1"}}) {
            int delay = Integer.parseInt(route[1]) * unit;
            byte[] body = ("page " + route[0] + " ").repeat(100 * delay / unit).getBytes(StandardCharsets.UTF_8);
            server.createContext(route[0], exchange -> {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
        }
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        long start = System.nanoTime();
        Coro.run(() -> Coro.joinAll(
                Coro.spawn(() -> fetch(base + "/a")),
                Coro.spawn(() -> fetch(base + "/b")),
                Coro.spawn(() -> fetch(base + "/c"))));
        System.out.println("all fetched in " + (System.nanoTime() - start) / 1_000_000 + " ms (one after another: about "
                + 6 * unit + " ms)");
        server.stop(0);
    }
}
