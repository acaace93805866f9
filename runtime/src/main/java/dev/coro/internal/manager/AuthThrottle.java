package dev.coro.internal.manager;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Slows down repeated authentication failures from one address: after the n-th failure in a row, that address's
 * next handshake is refused unless it comes at least {@code base * 2^(n-1)} (at most {@code max}) after the last
 * failure, so guessing keys from one address goes no faster than that.
 * A success forgets the address; so does a quiet spell of {@code forgetAfter}. At most {@code capacity} addresses
 * are remembered (least recently failed dropped first), so a flood of sources cannot grow the table without bound.
 * Thread-safe.
 */
public final class AuthThrottle {
    private final long baseNanos;
    private final long maxNanos;
    private final long forgetNanos;
    private final int capacity;
    private final LongSupplier clock;
    private final Map<InetAddress, long[]> failures; // {count, last failure time}

    public AuthThrottle() {
        this(TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.SECONDS.toNanos(10), TimeUnit.MINUTES.toNanos(10), 10_000,
                System::nanoTime);
    }

    public AuthThrottle(long baseNanos, long maxNanos, long forgetNanos, int capacity, LongSupplier clock) {
        this.baseNanos = baseNanos;
        this.maxNanos = maxNanos;
        this.forgetNanos = forgetNanos;
        this.capacity = capacity;
        this.clock = clock;
        this.failures = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, long[]> eldest) {
                return size() > AuthThrottle.this.capacity;
            }
        };
    }

    /** How long to hold back the next handshake from {@code address} (0 if it has no recent failures). */
    public synchronized long delayNanos(InetAddress address) {
        long[] f = failures.get(address);
        if (f == null) {
            return 0;
        }
        if (clock.getAsLong() - f[1] > forgetNanos) {
            failures.remove(address);
            return 0;
        }
        return delayFor(f[0]);
    }

    /**
     * How much longer {@code address} must wait before its next handshake is considered: the delay its failures
     * earned, counted from its last failure; 0 if it may try now.
     */
    public synchronized long penaltyNanos(InetAddress address) {
        long[] f = failures.get(address);
        if (f == null) {
            return 0;
        }
        long now = clock.getAsLong();
        if (now - f[1] > forgetNanos) {
            failures.remove(address);
            return 0;
        }
        return Math.max(0, f[1] + delayFor(f[0]) - now);
    }

    private long delayFor(long count) {
        if (count <= 0) {
            return 0;
        }
        int shift = (int) Math.min(count - 1, 40);
        long d = baseNanos << shift;
        return d <= 0 || d > maxNanos ? maxNanos : d;
    }

    /** Records a failure; returns the delay its answer (and the next attempt) should wait. */
    public synchronized long failed(InetAddress address) {
        long now = clock.getAsLong();
        long[] f = failures.get(address);
        if (f == null || now - f[1] > forgetNanos) {
            f = new long[2];
        }
        f[0]++;
        f[1] = now;
        failures.put(address, f);
        return delayFor(f[0]);
    }

    public synchronized void succeeded(InetAddress address) {
        failures.remove(address);
    }

    /** Failures in a row recorded for {@code address}. */
    public synchronized int failures(InetAddress address) {
        long[] f = failures.get(address);
        return f == null ? 0 : (int) f[0];
    }
}
