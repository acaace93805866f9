package dev.coro.tests.ipc;

import dev.coro.Pipe;
import dev.coro.ProcessQueue;
import dev.coro.internal.ipc.Handover;

/**
 * The child side of the cross-process tests: attaches to what the parent handed over ({@code Handover.restore}) and
 * plays one role.
 */
public final class QueueChild {
    private QueueChild() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "produce": { // spec start count: puts start .. start+count-1
                ProcessQueue<Integer> q = (ProcessQueue<Integer>) Handover.restore(args[1]);
                int start = Integer.parseInt(args[2]);
                int count = Integer.parseInt(args[3]);
                for (int i = start; i < start + count; i++) {
                    q.put(i);
                }
                q.close();
                break;
            }
            case "consume": { // spec resultsSpec: forwards everything to results until it takes -1
                ProcessQueue<Integer> q = (ProcessQueue<Integer>) Handover.restore(args[1]);
                ProcessQueue<Integer> results = (ProcessQueue<Integer>) Handover.restore(args[2]);
                for (;;) {
                    int v = q.get();
                    if (v < 0) {
                        break;
                    }
                    results.put(v);
                }
                q.close();
                results.close();
                break;
            }
            case "take-and-hang": { // spec n: takes n messages, says so, and waits to be killed
                ProcessQueue<Integer> q = (ProcessQueue<Integer>) Handover.restore(args[1]);
                int n = Integer.parseInt(args[2]);
                for (int i = 0; i < n; i++) {
                    q.get();
                }
                // the broker has the acknowledgements (queued by each get) before the parent hears "took": at least
                // once allows an acknowledgement still in flight when a consumer dies to be lost, and its message
                // to come again, which is not what this child is for
                dev.coro.internal.ipc.Client.shared(TestAccess.fields(q)[0]).flush();
                System.out.println("took " + n);
                System.out.flush();
                Thread.sleep(60_000);
                break;
            }
            case "echo": { // endSpec: answers each string until "bye"
                Pipe.End<String> end = (Pipe.End<String>) Handover.restore(args[1]);
                for (;;) {
                    String s = end.receive();
                    if (s.equals("bye")) {
                        break;
                    }
                    end.send("echo:" + s);
                }
                end.close();
                break;
            }
            case "wait-for-gone": { // spec: waits in get from a coroutine until the broker goes away
                ProcessQueue<Integer> q = (ProcessQueue<Integer>) Handover.restore(args[1]);
                System.out.println("waiting");
                System.out.flush();
                String outcome = dev.coro.Coro.run(() -> {
                    try {
                        return "got " + q.get();
                    } catch (dev.coro.ChannelClosedException e) {
                        return "gone: " + e.getMessage();
                    }
                });
                System.out.println(outcome);
                break;
            }
            case "pipe-send-then": { // endSpec n how: sends m0 .. m(n-1), then close|exit|crash|hang
                Pipe.End<String> end = (Pipe.End<String>) Handover.restore(args[1]);
                int n = Integer.parseInt(args[2]);
                for (int i = 0; i < n; i++) {
                    end.send("m" + i);
                }
                switch (args[3]) {
                    case "close": // closes the end and stays alive until its standard input ends
                        end.close();
                        System.out.println("closed");
                        System.out.flush();
                        System.in.read();
                        break;
                    case "exit": // a normal exit without close(): the exit lets go of the end
                        break;
                    case "hang": // holds the end until killed
                        dev.coro.internal.ipc.Client.shared(TestAccess.pipeAddress(end)).flush();
                        System.out.println("sent");
                        System.out.flush();
                        Thread.sleep(60_000);
                        break;
                    default:
                        throw new IllegalArgumentException(args[3]);
                }
                break;
            }
            case "pipe-receive-all": { // endSpec coroutine|thread: receives until the other end closes
                Pipe.End<String> end = (Pipe.End<String>) Handover.restore(args[1]);
                System.out.println("ready");
                System.out.flush();
                String outcome = args[2].equals("coroutine") ? dev.coro.Coro.run(() -> receiveAll(end))
                        : receiveAll(end);
                System.out.println("outcome " + outcome);
                end.close();
                break;
            }
            default:
                throw new IllegalArgumentException("unknown role " + args[0]);
        }
    }

    /** Receives until the other end closes, then tries one send; says what happened. */
    @dev.coro.Coroutine
    static String receiveAll(Pipe.End<String> end) {
        StringBuilder b = new StringBuilder();
        try {
            for (;;) {
                String m = end.receive(java.time.Duration.ofSeconds(30));
                if (m == null) {
                    return b + "timed out";
                }
                b.append(m).append(' ');
            }
        } catch (dev.coro.ChannelClosedException e) {
            b.append("| closed: ").append(e.getMessage());
        }
        try {
            end.send("late");
            b.append(" | send went through");
        } catch (dev.coro.ChannelClosedException e) {
            b.append(" | send: ").append(e.getMessage());
        }
        return b.toString();
    }
}
