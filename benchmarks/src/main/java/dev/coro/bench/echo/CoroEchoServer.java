package dev.coro.bench.echo;

import dev.coro.Coro;
import dev.coro.Coroutine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The coro side of the echo benchmark ({@link EchoThroughput}, {@link EchoIdleMemory}): plain blocking
 * {@code ServerSocket}/{@code Socket} code in {@code @Coroutine} methods, one coroutine per connection, all on one
 * loop ({@code Coro.run} on the main thread). The agent redirects accept/read/write to their cooperative twins. The
 * connection code is the same as {@link LoomEchoServer}'s, line for line, except for the annotations and the spawn.
 *
 * <pre>java -javaagent:coro-agent.jar -cp benchmarks.jar dev.coro.bench.echo.CoroEchoServer</pre>
 * It binds an ephemeral loopback port and prints {@code listening on port N}; see {@link ServerControl}.
 */
public class CoroEchoServer {
    public static void main(String[] args) {
        ServerControl.start();
        Coro.run(CoroEchoServer::serve);
    }

    @Coroutine
    static void serve() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress())) {
            ServerControl.listening(server.getLocalPort());
            for (;;) {
                Socket c = server.accept();
                Coro.spawn(() -> echo(c));
            }
        }
    }

    @Coroutine
    static void echo(Socket c) {
        ServerControl.OPEN.incrementAndGet();
        try (Socket s = c) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[ServerControl.BUFFER];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            ServerControl.OPEN.decrementAndGet();
        }
    }
}
