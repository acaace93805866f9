package dev.coro.examples;

import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Manager;
import dev.coro.MessageQueue;
import dev.coro.redis.RedisQueues;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The seed's {@code taskmanager.py}: serves a task queue and a result queue on the network with an authentication
 * key, puts ten random numbers, and collects ten results with a timeout. Start {@link TaskWorker}s (on this or other
 * machines) with the same key; results carry the task's id, so a task done twice (its worker died after putting the
 * result, or overran its lease) is counted once.
 *
 * <pre>
 * java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.TaskManager [options]
 *   --bind ADDRESS    address to serve on (default 127.0.0.1; 0.0.0.0 for every interface)
 *   --port N          (default 5000)
 *   --authkey KEY     (default abc, as in the seed)
 *   --tasks N         how many numbers (default 10)
 *   --timeout T       how long to wait for all results, e.g. 10, 30s, 500ms (default 10)
 *   --lease T         how long a worker may hold a task before it goes to another (default 30)
 *   --redis HOST:PORT use the queues "tasks" and "results" on Redis instead of serving them (no --bind, --port,
 *                     --authkey: Redis's own authentication applies)
 *   --redis-password P  Redis's password, if it has one
 * </pre>
 * Exit status 0 when every result came, 1 if some did not within the timeout.
 */
public final class TaskManager {
    static final String USAGE = "usage: TaskManager [--bind ADDRESS] [--port N] [--authkey KEY] [--tasks N]"
            + " [--timeout T] [--lease T] [--redis HOST:PORT] [--redis-password P]";

    private TaskManager() {
    }

    public static void main(String[] argv) throws Exception {
        TaskArgs args = new TaskArgs(argv, USAGE, Set.of("bind", "port", "authkey", "tasks", "timeout", "lease", "redis",
                "redis-password"));
        int count = args.integer("tasks", 10);
        Duration timeout = args.duration("timeout", "10");
        Duration lease = args.duration("lease", "30");
        int code = Coro.run(() -> {
            if (args.has("redis")) {
                try (RedisQueues redis = args.redis()) {
                    System.out.println("Using Redis at " + args.get("redis", null));
                    return run(redis.queue("tasks", Codec.longs()), redis.queue("results",
                            Codec.record(TaskResult.class)), count, timeout);
                }
            }
            InetSocketAddress at = new InetSocketAddress(args.get("bind", "127.0.0.1"), args.integer("port", 5000));
            // bind, register both queues, serve
            try (Manager manager = Manager.serve(at, args.key(), new Manager.Options().lease(lease))) {
                System.out.println("Serving on " + manager.address());
                return run(manager.queue("tasks", Codec.longs()), manager.queue("results",
                        Codec.record(TaskResult.class)), count, timeout);
            }
        });
        System.exit(code);
    }

    @Coroutine
    static int run(MessageQueue<Long> task, MessageQueue<TaskResult> result, int count, Duration timeout) {
        Random random = new Random();
        for (int i = 0; i < count; i++) {
            long n = random.nextInt(10001);
            System.out.println("Put task " + n + "...");
            task.put(n);
        }
        System.out.println("Try get results...");
        Map<String, TaskResult> byTask = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (byTask.size() < count) {
            long left = deadline - System.nanoTime();
            TaskResult r = left > 0 ? result.get(Duration.ofNanos(left)) : null;
            if (r == null) {
                break;
            }
            if (byTask.putIfAbsent(r.task(), r) != null) {
                System.out.println("Duplicate result for task " + r.task() + " (from " + r.worker() + "), ignored");
                continue;
            }
            System.out.println("Result: " + r.n() + " * " + r.n() + " = " + r.square() + " (task " + r.task()
                    + ", by " + r.worker() + ")");
        }
        result.ack();
        if (byTask.size() < count) {
            System.out.println("Only " + byTask.size() + " of " + count + " results within " + timeout.toMillis()
                    + " ms.");
            return 1;
        }
        System.out.println("All " + count + " results.");
        return 0;
    }
}
