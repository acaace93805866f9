package dev.coro.examples;

/**
 * What a {@link TaskWorker} puts back: the id of the task (the task queue's {@code lastId()}, the same on every
 * redelivery, so the manager can recognise a task done twice), the number, its square, and who computed it.
 */
public record TaskResult(String task, long n, long square, String worker) {
}
