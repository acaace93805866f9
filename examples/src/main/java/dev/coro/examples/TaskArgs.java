package dev.coro.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The few options TaskManager and TaskWorker take ({@code --name value}); a wrong one gets a clear message. */
final class TaskArgs {
    private final Map<String, String> values = new HashMap<>();
    private final String usage;

    TaskArgs(String[] args, String usage, Set<String> known) {
        this.usage = usage;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!a.startsWith("--") || !known.contains(a.substring(2)) || i + 1 >= args.length) {
                fail(a.startsWith("--") && known.contains(a.substring(2)) ? a + " needs a value" : "unknown option " + a);
            }
            values.put(a.substring(2), args[++i]);
        }
    }

    void fail(String why) {
        System.err.println("error: " + why + "\n" + usage);
        System.exit(2);
    }

    String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    int integer(String name, int dflt) {
        try {
            return Integer.parseInt(get(name, String.valueOf(dflt)));
        } catch (NumberFormatException e) {
            fail("--" + name + " takes a whole number, not '" + get(name, "") + "'");
            return dflt;
        }
    }

    byte[] key() {
        return get("authkey", "abc").getBytes(StandardCharsets.UTF_8);
    }

    /** The Redis engine, if --redis was given: its address, password and lease. */
    dev.coro.redis.RedisQueues redis() {
        dev.coro.redis.RedisQueues r = dev.coro.redis.RedisQueues.connect(get("redis", null))
                .lease(duration("lease", "30"));
        return has("redis-password") ? r.password(get("redis-password", null)) : r;
    }

    /** {@code 1.5} (seconds, as the seed counts), {@code 1500ms} or {@code 2s}. */
    Duration duration(String name, String dflt) {
        String v = get(name, dflt).trim();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            }
            return Duration.ofNanos((long) (Double.parseDouble(v) * 1e9));
        } catch (NumberFormatException e) {
            fail("--" + name + " takes seconds (1.5, 2s) or milliseconds (500ms), not '" + get(name, dflt) + "'");
            return Duration.ZERO;
        }
    }
}
