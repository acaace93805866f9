package dev.coro.bench.tasks;

import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.MessageQueue;
import dev.coro.redis.RedisQueues;

import java.nio.charset.StandardCharsets;

/**
 * One benchmark worker process, like the Python peer's taskworker loop: one sequential get / square / put loop, as
 * long as the manager is there. Started by {@link TaskRoundTrips} with the agent.
 *
 * <pre>
 * java -javaagent:coro-agent.jar -cp benchmarks.jar dev.coro.bench.tasks.TaskBenchWorker manager HOST PORT KEY [PREFETCH]
 * java -javaagent:coro-agent.jar -cp benchmarks.jar dev.coro.bench.tasks.TaskBenchWorker redis HOST PORT [PREFETCH]
 * </pre>
 */
public final class TaskBenchWorker {
    private TaskBenchWorker() {
    }

    public static void main(String[] args) throws Exception {
        String engine = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        Coro.run(() -> {
            if (engine.equals("redis")) {
                int prefetch = args.length > 3 ? Integer.parseInt(args[3]) : 1;
                try (RedisQueues redis = RedisQueues.connect(host, port)) {
                    serve(redis.queue("tasks", Codec.longs(), prefetch), redis.queue("results",
                            Codec.record(Square.class)));
                }
            } else {
                try (dev.coro.Manager.Client c = dev.coro.Manager.connect(
                        new java.net.InetSocketAddress(host, port), args[3].getBytes(StandardCharsets.UTF_8))) {
                    String prefetch = args.length > 4 ? args[4] : "default";
                    serve(prefetch.equals("default") ? c.queue("tasks", Codec.longs())
                            : c.queue("tasks", Codec.longs(), Integer.parseInt(prefetch)),
                            c.queue("results", Codec.record(Square.class)));
                }
            }
            return null;
        });
    }

    @Coroutine
    static void serve(MessageQueue<Long> tasks, MessageQueue<Square> results) {
        try {
            while (true) {
                long n = tasks.get();
                results.put(new Square(n, n * n));
            }
        } catch (IllegalStateException gone) { // ChannelClosedException included
            // the manager shut down, or Redis went away: the benchmark is over
        }
    }
}
