package dev.coro.bench.launch;

import dev.coro.Coro;
import dev.coro.Coroutine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;

/**
 * The echo server that {@link LaunchEcho} runs under the launcher: plain blocking {@code ServerSocket}/{@code Socket}
 * code, one coroutine per connection, every worker on the same port. A new connection first gets one byte, the
 * worker's index, so the client can see how the kernel spread the connections; after that, every byte read is
 * written back. With {@code work} > 0, each read is followed by {@code work} x 1,000 rounds of a xorshift (a fixed
 * amount of computing: work=50 is about 75 µs of CPU here) before the echo: a server with work of its own per
 * request.
 *
 * <pre>java -jar coro-agent.jar launch --workers 2 -- -cp benchmarks.jar dev.coro.bench.launch.EchoServer PORT [work]</pre>
 */
public class EchoServer {
    static volatile long sink;

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int work = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Coro.run(() -> serve(port, work));
    }

    @Coroutine
    static void serve(int port, int work) throws IOException {
        try (ServerSocket server = new ServerSocket(port)) {
            System.out.println("echo worker " + Coro.workerId() + " listening on port " + port);
            for (;;) {
                Socket c;
                try {
                    c = server.accept();
                } catch (SocketException closed) {
                    return; // shutting down
                }
                c.setTcpNoDelay(true);
                Coro.spawn(() -> echo(c, work));
            }
        }
    }

    @Coroutine
    static void echo(Socket c, int work) {
        try (Socket s = c) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            out.write(Coro.workerId());
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (work > 0) {
                    compute(work * 1000);
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** {@code rounds} dependent xorshift steps: a fixed amount of CPU work, whatever else runs on the machine. */
    static void compute(int rounds) {
        long x = sink | 1;
        for (int i = 0; i < rounds; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        sink = x;
    }
}
