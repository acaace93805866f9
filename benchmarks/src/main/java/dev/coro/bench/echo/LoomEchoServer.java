package dev.coro.bench.echo;

import dev.coro.bench.loom.VirtualThreads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The virtual-thread peer of {@link CoroEchoServer}: the same blocking code, one virtual thread per connection, run
 * on JDK 25 with one carrier ({@code -Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1})
 * and without any agent. The accept loop runs in a virtual thread too, so that it shares the one carrier.
 *
 * <pre>java -Djdk.virtualThreadScheduler.parallelism=1 -cp benchmarks.jar dev.coro.bench.echo.LoomEchoServer</pre>
 */
public class LoomEchoServer {
    public static void main(String[] args) {
        ServerControl.start();
        VirtualThreads.checkOneCarrier();
        VirtualThreads.join(VirtualThreads.start(() -> {
            try {
                serve();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }));
    }

    static void serve() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress())) {
            ServerControl.listening(server.getLocalPort());
            for (;;) {
                Socket c = server.accept();
                VirtualThreads.start(() -> echo(c));
            }
        }
    }

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
