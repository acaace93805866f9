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
            default:
                throw new IllegalArgumentException("unknown role " + args[0]);
        }
    }
}
