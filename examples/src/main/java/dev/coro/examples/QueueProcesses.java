package dev.coro.examples;

import dev.coro.Codec;
import dev.coro.Coro;
import dev.coro.CoroProcess;
import dev.coro.Coroutine;
import dev.coro.ProcessQueue;

import java.util.Random;

/**
 * The seed document's {@code multiprocessing} example, ported: the parent creates a queue and starts two child
 * processes, a writer that puts 'A', 'B', 'C' with random sleeps and a reader that loops forever printing what it
 * gets; the parent waits for the writer and terminates the reader.
 *
 * <pre>
 * Put A to queue...
 * Get A from queue.
 * Put B to queue...
 * Get B from queue.
 * Put C to queue...
 * Get C from queue.
 * </pre>
 *
 * Run: {@code java -javaagent:coro-agent.jar -cp coro-examples.jar dev.coro.examples.QueueProcesses [seed]} (the
 * optional seed makes the random sleeps repeatable).
 */
public class QueueProcesses {

    /** The writer process: runs on its own loop in the child. */
    @Coroutine
    static void write(ProcessQueue<String> q, long seed) {
        Random random = new Random(seed);
        for (String value : new String[] {"A", "B", "C"}) {
            System.out.println("Put " + value + " to queue...");
            q.put(value);
            Coro.sleep((long) (random.nextDouble() * 1000));
        }
    }

    /** The reader process: loops forever; only terminate() ends it. */
    @Coroutine
    static void read(ProcessQueue<String> q) {
        while (true) {
            String value = q.get();
            System.out.println("Get " + value + " from queue.");
        }
    }

    public static void main(String[] args) {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : System.nanoTime();
        Coro.run(() -> {
            // the parent creates the queue and hands it to each child
            ProcessQueue<String> q = ProcessQueue.create(Codec.strings());
            CoroProcess pw = CoroProcess.start(QueueProcesses.class, "write", q, seed);
            CoroProcess pr = CoroProcess.start(QueueProcesses.class, "read", q);
            pw.join();          // wait for the writer: suspends this coroutine
            pr.terminate();     // the reader loops forever: it can only be stopped
            pr.join();
            q.close();
        });
    }
}
