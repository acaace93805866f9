package dev.coro.internal.net;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;

/** Socket options on a channel, failing as java.net's sockets do: with a SocketException. */
final class ChannelOptions {
    private ChannelOptions() {
    }

    static <T> void set(NetworkChannel ch, SocketOption<T> o, T v) throws SocketException {
        try {
            ch.setOption(o, v);
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket is closed");
        } catch (IOException e) {
            throw new SocketException(e.getMessage());
        }
    }

    static <T> T get(NetworkChannel ch, SocketOption<T> o) throws SocketException {
        try {
            return ch.getOption(o);
        } catch (ClosedChannelException e) {
            throw new SocketException("Socket is closed");
        } catch (IOException e) {
            throw new SocketException(e.getMessage());
        }
    }
}
