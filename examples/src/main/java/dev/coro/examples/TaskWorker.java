package dev.coro.examples;

import dev.coro.ChannelClosedException;
import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Manager;
import dev.coro.MessageQueue;
import dev.coro.redis.RedisQueues;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

/**
 * The seed's {@code taskworker.py}: connects to the {@link TaskManager} with the same key, takes numbers, squares
 * each (after the seed's one-second pause) and puts the result back, with the task's id.
 *
 * <pre>
 * java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.TaskWorker [options]
 *   --server HOST     the manager's address (default 127.0.0.1)
 *   --port N          (default 5000)
 *   --authkey KEY     (default abc)
 *   --pause T         the work per task: 1 (second, as the seed), 200ms, ... (default 1)
 *   --tasks N         take this many times, as the seed does (default 10); 0: until the queue stays empty for
 *                     --idle or the manager goes away
 *   --idle T          (default 3)
 *   --name NAME       how results name this worker (default host:pid)
 *   --redis HOST:PORT take tasks from Redis instead
 *   --redis-password P  Redis's password, if it has one
 *   --lease T         with Redis: how long a task may stay with a worker before another worker claims it; give every
 *                     worker the same one (default 30)
 * </pre>
 * A task this worker took but did not finish (it was killed, or lost its connection) goes back to the queue and
 * another worker does it: the manager's queue on disconnect, Redis once the task's lease ran out.
 */
public final class TaskWorker {
    static final String USAGE = "usage: TaskWorker [--server HOST] [--port N] [--authkey KEY] [--pause T] [--tasks N]"
            + " [--idle T] [--name NAME] [--redis HOST:PORT] [--redis-password P] [--lease T]";

    private TaskWorker() {
    }

    public static void main(String[] argv) throws Exception {
        TaskArgs args = new TaskArgs(argv, USAGE,
                Set.of("server", "port", "authkey", "pause", "tasks", "idle", "name", "redis", "redis-password", "lease"));
        Duration pause = args.duration("pause", "1");
        int tasks = args.integer("tasks", 10);
        Duration idle = args.duration("idle", "3");
        String name = args.get("name", ManagementFactory.getRuntimeMXBean().getName());
        Coro.run(() -> {
            if (args.has("redis")) {
                System.out.println("Connect to Redis at " + args.get("redis", null) + "...");
                try (RedisQueues redis = args.redis()) {
                    work(redis.queue("tasks", Codec.longs()), redis.queue("results", Codec.record(TaskResult.class)),
                            pause, tasks, idle, name);
                }
                return null;
            }
            String server = args.get("server", "127.0.0.1");
            System.out.println("Connect to server " + server + "...");
            try (Manager.Client m = Manager.connect(new InetSocketAddress(server, args.integer("port", 5000)),
                    args.key())) {
                work(m.queue("tasks", Codec.longs()), m.queue("results", Codec.record(TaskResult.class)), pause, tasks,
                        idle, name);
            }
            return null;
        });
        System.out.println("worker exit.");
    }

    @Coroutine
    static void work(MessageQueue<Long> task, MessageQueue<TaskResult> result, Duration pause, int tasks,
                     Duration idle, String name) throws InterruptedException {
        try {
            for (int i = 0; tasks == 0 || i < tasks; i++) {
                Long n = task.get(tasks == 0 ? idle : Duration.ofSeconds(1)); // acknowledges the task before
                if (n == null) {
                    System.out.println("task queue is empty.");
                    if (tasks == 0) {
                        break;
                    }
                    continue;
                }
                System.out.println("run task " + n + " * " + n + "... (task " + task.lastId() + ")");
                Thread.sleep(pause.toMillis()); // the work; a coroutine's sleep, the loop stays free
                result.put(new TaskResult(task.lastId(), n, n * n, name));
            }
            task.ack();
        } catch (ChannelClosedException e) {
            System.out.println("the manager went away: " + e.getMessage());
        }
    }
}
