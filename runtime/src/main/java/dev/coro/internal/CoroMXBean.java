package dev.coro.internal;

/** coro over JMX ({@code dev.coro:type=Coro}): {@code jconsole}, or any JMX client, can ask for a task dump. */
public interface CoroMXBean {
    /** The same text as {@code Coro.dump()}. */
    String dump();

    int getLoopCount();
}
