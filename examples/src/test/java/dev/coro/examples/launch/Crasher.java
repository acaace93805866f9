package dev.coro.examples.launch;

import dev.coro.Coro;

/** A worker that fails at once, with status 3: for the launcher's crash-loop test. */
public class Crasher {
    public static void main(String[] args) {
        System.out.println("worker " + Coro.workerId() + " of " + Coro.workerCount() + " crashing");
        System.exit(3);
    }
}
