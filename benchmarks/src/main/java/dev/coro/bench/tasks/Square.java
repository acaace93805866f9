package dev.coro.bench.tasks;

/** A result: the task's number and its square (the Python peer puts the tuple {@code (n, n * n)}). */
public record Square(long n, long square) {
}
