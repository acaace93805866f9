package dev.coro.tests.patching;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plain {@code java.net.MulticastSocket} code inside coroutines: {@code new MulticastSocket(...)} gives coro's
 * CoMulticastSocket, whose receives (with and without SO_TIMEOUT) suspend on the loop while group membership, TTL,
 * interface and loopback mode are the JDK's. A group of 239.255.x on the loopback interface (Linux delivers
 * multicast on {@code lo} once a socket joins there, though {@code lo} lacks the MULTICAST flag), else on the first
 * up interface that supports multicast; the tests are skipped, saying why, when no interface delivers a datagram.
 */
class MulticastPatchTest {
    private static final String CO = "dev.coro.internal.net.CoMulticastSocket";
    private static InetAddress group;
    private static NetworkInterface nif;

    /** Finds an interface on which the JDK's own MulticastSocket delivers a datagram to a group member. */
    @BeforeAll
    static void findInterface() throws Exception {
        group = InetAddress.getByName("239.255.77.13");
        List<NetworkInterface> candidates = new ArrayList<>();
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
        if (lo != null) {
            candidates.add(lo);
        }
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (n.isUp() && n.supportsMulticast() && !n.equals(lo)) {
                candidates.add(n);
            }
        }
        List<String> tried = new ArrayList<>();
        for (NetworkInterface n : candidates) {
            try {
                if (jdkDelivers(n)) {
                    nif = n;
                    return;
                }
                tried.add(n.getName() + ": nothing arrived");
            } catch (IOException e) {
                tried.add(n.getName() + ": " + e);
            }
        }
        Assumptions.abort("no interface delivers IPv4 multicast to " + group + " here: " + tried);
    }

    static boolean jdkDelivers(NetworkInterface n) throws IOException {
        try (MulticastSocket r = new MulticastSocket(0); MulticastSocket s = new MulticastSocket()) {
            SocketAddress g = new InetSocketAddress(group, r.getLocalPort());
            r.joinGroup(g, n);
            r.setSoTimeout(1000);
            s.setNetworkInterface(n);
            s.send(new DatagramPacket(new byte[] {1}, 1, g));
            try {
                r.receive(new DatagramPacket(new byte[4], 4));
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            }
        }
    }

    @Coroutine
    static MulticastSocket open(int port) throws IOException {
        return new MulticastSocket(port);
    }

    @Coroutine
    static String receive(MulticastSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[64], 64);
        s.receive(p);
        return new String(p.getData(), p.getOffset(), p.getLength(), StandardCharsets.US_ASCII);
    }

    @Coroutine
    static void send(MulticastSocket s, String text, SocketAddress to) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(b, b.length, to));
    }

    /**
     * A sender and two receivers on one loop: the receivers, both members of the group on one port, wait at once
     * (a ticker keeps running meanwhile); each datagram the sender sends reaches both.
     */
    @Test
    void aSenderAndTwoReceiversOnOneLoop() {
        long start = System.nanoTime();
        List<String> out = Coro.run(() -> {
            MulticastSocket a = open(0);
            int port = a.getLocalPort();
            MulticastSocket b = open(port); // SO_REUSEADDR, as the JDK's MulticastSocket: both bind the port
            SocketAddress g = new InetSocketAddress(group, port);
            a.joinGroup(g, nif);
            b.joinGroup(g, nif);
            MulticastSocket sender = open(0);
            sender.setNetworkInterface(nif);
            sender.setTimeToLive(1);
            int[] ticks = {0};
            boolean[] done = {false};
            Task<Void> ticker = Coro.spawn(() -> {
                while (!done[0]) {
                    Thread.sleep(10);
                    ticks[0]++;
                }
            });
            Task<String> ra = Coro.spawn(() -> receive(a) + "," + receive(a));
            Task<String> rb = Coro.spawn(() -> receive(b) + "," + receive(b));
            Task<Void> sending = Coro.spawn(() -> {
                Thread.sleep(200); // both receivers are waiting by now
                send(sender, "one", g);
                Thread.sleep(100);
                send(sender, "two", g);
            });
            String got = ra.join() + "|" + rb.join();
            sending.join();
            int during = ticks[0];
            done[0] = true;
            ticker.join();
            List<String> r = List.of(a.getClass().getName(), got, String.valueOf(during));
            a.leaveGroup(g, nif);
            a.close();
            b.close();
            sender.close();
            return r;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(CO, out.get(0));
        assertEquals("one,two|one,two", out.get(1));
        assertTrue(Integer.parseInt(out.get(2)) >= 10, "the receives held the loop: " + out.get(2) + " ticks");
        assertTrue(ms < 5000, ms + " ms");
    }

    /** Two receivers with a 300 ms SO_TIMEOUT and nothing sent: both time out together, the JDK's way. */
    @Test
    void timedReceivesOverlapAndTimeOutAsTheJdk() throws Exception {
        SocketTimeoutException jdk;
        try (MulticastSocket s = new MulticastSocket(0)) {
            assertEquals(MulticastSocket.class, s.getClass());
            s.setSoTimeout(50);
            jdk = assertThrows(SocketTimeoutException.class, () -> s.receive(new DatagramPacket(new byte[8], 8)));
        }
        long start = System.nanoTime();
        List<String> got = Coro.run(() -> {
            List<Task<String>> ts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ts.add(Coro.spawn(() -> {
                    MulticastSocket s = open(0);
                    try {
                        s.joinGroup(new InetSocketAddress(group, s.getLocalPort()), nif);
                        s.setSoTimeout(300);
                        return receive(s);
                    } catch (IOException e) {
                        return e.getClass().getName() + ": " + e.getMessage();
                    } finally {
                        s.close();
                    }
                }));
            }
            List<String> r = new ArrayList<>();
            for (Task<String> t : ts) {
                r.add(t.join());
            }
            return r;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String want = jdk.getClass().getName() + ": " + jdk.getMessage();
        assertEquals(List.of(want, want), got);
        assertTrue(ms >= 290 && ms < 550, "two 300 ms timeouts took " + ms + " ms (600 one after the other)");
    }

    /** A receive on a plain thread, made by patched code (a CoMulticastSocket): blocking, with the JDK's result. */
    @Test
    void patchedCodeOnAPlainThreadBlocksAsTheJdk() throws Exception {
        MulticastSocket r = open(0);
        try (MulticastSocket s = new MulticastSocket()) {
            assertEquals(CO, r.getClass().getName());
            SocketAddress g = new InetSocketAddress(group, r.getLocalPort());
            r.joinGroup(g, nif);
            r.setSoTimeout(10_000);
            s.setNetworkInterface(nif);
            send(s, "plain", g);
            assertEquals("plain", receive(r));
            r.setSoTimeout(50);
            assertEquals("Receive timed out", assertThrows(SocketTimeoutException.class, () -> receive(r))
                    .getMessage());
        } finally {
            r.close();
        }
    }

    /** Close from another task while one receives: the JDK's "Socket closed". */
    @Test
    void closeWhileAnotherTaskReceives() {
        String got = Coro.run(() -> {
            MulticastSocket s = open(0);
            s.joinGroup(new InetSocketAddress(group, s.getLocalPort()), nif);
            Task<String> waiting = Coro.spawn(() -> {
                try {
                    return receive(s);
                } catch (IOException e) {
                    return e.getClass().getName() + ": " + e.getMessage();
                }
            });
            Thread.sleep(100);
            s.close();
            return waiting.join() + " " + s.isClosed();
        });
        assertEquals("java.net.SocketException: Socket closed true", got);
    }

    /**
     * Membership, TTL, interface, loopback mode, options and their errors on one socket: the same transcript for
     * the JDK's MulticastSocket and for the one patched code makes.
     */
    @Test
    void optionsAndMembershipMatchTheJdk() throws Exception {
        String jdk;
        try (MulticastSocket s = new MulticastSocket(0)) {
            jdk = transcript(s);
        }
        String co = Coro.run(() -> {
            MulticastSocket s = open(0);
            try {
                return s.getClass().getName() + " " + transcript(s);
            } finally {
                s.close();
            }
        });
        assertEquals(CO + " " + jdk, co);
        assertTrue(jdk.contains("Already a member of group") || jdk.contains("already"), jdk);
    }

    @SuppressWarnings("deprecation")
    static String transcript(MulticastSocket s) {
        StringBuilder b = new StringBuilder();
        SocketAddress g = new InetSocketAddress(group, s.getLocalPort());
        step(b, () -> s.getReuseAddress() + " " + s.getTimeToLive() + " " + s.getLoopbackMode() + " "
                + s.getBroadcast() + " " + s.isBound() + " " + s.isConnected() + " " + s.getSoTimeout());
        step(b, () -> {
            s.setTimeToLive(7);
            return s.getTimeToLive() + " " + s.getTTL();
        });
        step(b, () -> {
            s.setTimeToLive(256);
            return "set";
        });
        step(b, () -> {
            s.setLoopbackMode(true);
            boolean off = s.getLoopbackMode();
            s.setLoopbackMode(false);
            return off + " " + s.getLoopbackMode();
        });
        step(b, () -> {
            s.setNetworkInterface(nif);
            return String.valueOf(s.getNetworkInterface().equals(nif));
        });
        step(b, () -> {
            s.joinGroup(g, nif);
            return "joined";
        });
        step(b, () -> {
            s.joinGroup(g, nif);
            return "joined twice";
        });
        step(b, () -> {
            s.joinGroup(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1), nif);
            return "joined a unicast address";
        });
        step(b, () -> {
            s.leaveGroup(g, nif);
            return "left";
        });
        step(b, () -> {
            s.leaveGroup(g, nif);
            return "left twice";
        });
        step(b, () -> {
            s.setSoTimeout(-1);
            return "negative timeout";
        });
        step(b, () -> s.supportedOptions().size() + " " + s.getOption(
                java.net.StandardSocketOptions.IP_MULTICAST_TTL));
        step(b, () -> String.valueOf(s.getChannel()));
        s.close();
        step(b, () -> {
            s.receive(new DatagramPacket(new byte[1], 1));
            return "received";
        });
        step(b, () -> {
            s.setTimeToLive(3);
            return "set after close";
        });
        step(b, () -> {
            s.joinGroup(g, nif);
            return "joined after close";
        });
        return b.toString();
    }

    interface Step {
        String run() throws Exception;
    }

    static void step(StringBuilder b, Step s) {
        try {
            b.append(s.run());
        } catch (Exception e) {
            b.append(e.getClass().getName()).append(':').append(e.getMessage());
        }
        b.append("; ");
    }
}
