package dev.coro.internal.proc;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Task;
import dev.coro.internal.Stack;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/** A {@link Task} for an item of a {@link dev.coro.ProcessPool}: its result arrives from a worker process. */
public final class PoolTask<T> implements Task<T> {
    private final String name;
    final CompletableFuture<T> future;

    public PoolTask(String name, CompletableFuture<T> future) {
        this.name = name;
        this.future = future;
    }

    @Override
    @Coroutine
    public T join() {
        Stack s = Stack.current();
        boolean root = s.enter(); // a method reference as a task's body: the task's own entry
        if (!root) {
            s.pin();
        }
        try {
            return join(s);
        } finally {
            if (!root) {
                s.unpin();
            }
        }
    }

    @Override
    public T join(Stack stack) {
        return Coro.await(future, stack);
    }

    /** Cancels the item: one not yet sent to a worker is never sent; a running one's result is dropped. */
    @Override
    public boolean cancel() {
        return future.cancel(false);
    }

    @Override
    public boolean isDone() {
        return future.isDone();
    }

    @Override
    public boolean isCancelled() {
        return future.isCancelled();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void onComplete(Consumer<? super Task<T>> action) {
        future.whenComplete((v, e) -> action.accept(this));
    }

    @Override
    public Throwable exception() {
        if (!future.isCompletedExceptionally() || future.isCancelled()) {
            return null;
        }
        try {
            future.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return null;
        }
    }

    @Override
    public CompletableFuture<T> toCompletableFuture() {
        return future.copy();
    }

    @Override
    public String toString() {
        return "PoolTask[" + name + (future.isDone() ? ", done]" : "]");
    }
}
