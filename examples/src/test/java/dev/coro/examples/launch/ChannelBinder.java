package dev.coro.examples.launch;

import dev.coro.Coro;
import dev.coro.Coroutine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

/**
 * A worker that binds a {@code ServerSocketChannel} to a fixed port in a coroutine, then sleeps until cancelled: under
 * the launcher every worker can bind the port (the patched bind sets SO_REUSEPORT), and on shutdown coro closes the
 * channel and, after the grace period, cancels the sleeper.
 */
public class ChannelBinder {
    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Coro.run(() -> bindAndWait(port));
    }

    @Coroutine
    static void bindAndWait(int port) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        System.out.println("worker " + Coro.workerId() + " bound port " + port);
        try {
            Coro.sleep(120_000);
        } finally {
            System.out.println("worker " + Coro.workerId() + " cancelled; channel still open: " + ch.isOpen());
        }
    }
}
