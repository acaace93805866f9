package dev.coro.examples;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small HTTP server written as plain blocking socket code, made to run under the launcher: every worker binds the
 * same port (the launcher's workers get {@code SO_REUSEPORT}, so the kernel spreads connections over them), and
 * each answer says which worker served it. {@code GET /slow?ms=N} answers after N ms.
 *
 * <p>On SIGTERM (the launcher's shutdown), coro closes the listening socket: {@code accept()} throws, the accept
 * loop ends, and the requests in flight are joined before the loop ends, within the launcher's {@code --grace}.
 *
 * <pre>
 * java -jar coro-agent.jar launch --workers 2 -- -cp coro-examples.jar dev.coro.examples.LaunchedServer 8080
 * curl http://127.0.0.1:8080/            # hello from worker 1 of 2 (pid 4242)
 * </pre>
 */
public class LaunchedServer {
    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        Coro.run(() -> serve(port));
        System.out.println("worker " + Coro.workerId() + " stopped");
    }

    @Coroutine
    static void serve(int port) throws IOException {
        String me = "worker " + Coro.workerId() + " of " + Coro.workerCount() + " (pid " + ProcessHandle.current().pid()
                + ")";
        Set<Task<?>> inFlight = ConcurrentHashMap.newKeySet();
        try (ServerSocket server = new ServerSocket(port)) {
            System.out.println(me + " listening on port " + server.getLocalPort());
            for (;;) {
                Socket client;
                try {
                    client = server.accept();
                } catch (SocketException closed) {
                    break; // shutting down: the listening socket was closed
                }
                Task<?> t = Coro.spawn(() -> handle(client, me));
                inFlight.add(t);
                t.onComplete(inFlight::remove);
            }
        }
        System.out.println(me + " no longer accepts connections; finishing " + inFlight.size() + " request(s)");
        Coro.joinAll(new ArrayList<>(inFlight));
    }

    @Coroutine
    static void handle(Socket client, String me) {
        try (Socket c = client) {
            String request = readRequestLine(c.getInputStream());
            if (request == null) {
                return;
            }
            String[] parts = request.split(" ");
            String path = parts.length > 1 ? parts[1] : "/";
            String body;
            if (path.startsWith("/slow")) {
                int ms = path.contains("ms=") ? Integer.parseInt(path.substring(path.indexOf("ms=") + 3)) : 1000;
                System.out.println("slow request: answering in " + ms + " ms");
                Thread.sleep(ms); // suspends this request only
                body = "slow hello after " + ms + " ms from " + me + "\n";
            } else {
                body = "hello from " + me + "\n";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = c.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + b.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("request failed: " + e);
        }
    }

    /** Reads the request head (up to the empty line) and returns its first line, or null if the client left. */
    @Coroutine
    static String readRequestLine(InputStream in) throws IOException {
        byte[] head = new byte[8192];
        int len = 0;
        while (len < head.length) {
            int n = in.read(head, len, head.length - len);
            if (n < 0) {
                return null;
            }
            len += n;
            String s = new String(head, 0, len, StandardCharsets.ISO_8859_1);
            if (s.contains("\r\n\r\n") || s.contains("\n\n")) {
                int eol = s.indexOf('\n');
                return s.substring(0, eol).trim();
            }
        }
        return null;
    }
}
