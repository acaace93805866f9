package dev.coro.internal;

import dev.coro.Emitter;
import dev.coro.Generator;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Drives a generator body as a bare continuation on the consumer's thread: no loop, no task. Each step swaps the
 * body's {@link Stack} in, re-enters the body (which rewinds to its last emit), runs it to the next emit (which
 * unwinds it), and swaps the consumer's stack back.
 */
public final class GeneratorIterator<T> implements Iterator<T> {
    private final Generator<T> body;
    private final Emitter<T> emitter;
    private final BodyStack stack = new BodyStack();
    private T next;
    private boolean hasNext;
    private boolean finished;
    /** Its body is running: asking for the next item from inside it would restart it over its saved frames. */
    private boolean running;

    public GeneratorIterator(Generator<T> body) {
        AgentSupport.requireAgent("Coro.generator");
        this.body = body;
        this.emitter = new Emitter<>(this);
    }

    /** The emit leaf: the consumer gets {@code value}; the body unwinds until asked again. */
    public void emit(T value, Stack s) {
        if (s.mode == Stack.RESUMING) {
            s.resumed();
            return;
        }
        if (s != stack) {
            throw new IllegalStateException("Emitter.emit called outside its own generator's body");
        }
        next = value;
        hasNext = true;
        s.mode = Stack.SUSPENDING;
    }

    @Override
    public boolean hasNext() {
        if (!hasNext && !finished) {
            step();
        }
        return hasNext;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the generator has finished");
        }
        hasNext = false;
        T v = next;
        next = null;
        return v;
    }

    /**
     * A body's stack knows, while it runs, the stack of the code that asked for the next item: a body that computes
     * inside a task cannot yield to the task's loop (plain {@code Iterator.next()} stands between them), but a cancel
     * or an expired timeout of that task must still reach it (see {@link Suspend#preempt(Stack)}).
     */
    static final class BodyStack extends Stack {
        Stack consumer;

        BodyStack() {
            super(null);
        }

        /** The consumer's: the body runs on its behalf, as a Python generator sees its thread's locals. */
        @Override
        public Object local(int index) {
            return consumer != null ? consumer.local(index) : super.local(index);
        }

        @Override
        public void setLocal(int index, Object value) {
            if (consumer != null) {
                consumer.setLocal(index, value);
            } else {
                super.setLocal(index, value);
            }
        }

        @Override
        public CoTask<?> taskOnBehalf() {
            return consumerTask();
        }

        /** The task on whose behalf the body runs now (through nested generators too), or null. */
        CoTask<?> consumerTask() {
            for (Stack c = consumer; c != null; c = c instanceof BodyStack ? ((BodyStack) c).consumer : null) {
                if (c.task != null) {
                    return c.task;
                }
            }
            return null;
        }
    }

    private void step() {
        if (running) {
            throw new IllegalStateException("the generator is already running: its own body asked for its next item");
        }
        running = true;
        Carrier c = Carrier.get();
        Stack outer = c.current;
        c.current = stack;
        stack.consumer = outer;
        boolean ok = false;
        try {
            body.generate(emitter, stack);
            ok = true;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        } finally {
            running = false;
            c.current = outer;
            stack.consumer = null;
            if (!ok || stack.mode != Stack.SUSPENDING) {
                finished = true;
                stack.clear();
            } else {
                stack.mode = Stack.RESUMING;
            }
        }
    }
}
