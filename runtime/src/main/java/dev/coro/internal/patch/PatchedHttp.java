package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
import dev.coro.internal.Settings;
import dev.coro.internal.Stack;
import dev.coro.internal.Suspend;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletionException;

/**
 * HTTP in rewritten code. {@code HttpClient.send} becomes {@code sendAsync} and the coroutine suspends on the
 * future. {@code URL.openStream()} and {@code URLConnection.getInputStream()} run the JDK's blocking HTTP stack off
 * the loop (as gevent resolves names on its thread pool), and hand back a stream whose reads in rewritten code are
 * offloaded too, so the loop never blocks on them.
 */
public final class PatchedHttp {
    private PatchedHttp() {
    }

    public static <T> HttpResponse<T> send(HttpClient client, HttpRequest request,
                                           HttpResponse.BodyHandler<T> handler, Stack s)
            throws IOException, InterruptedException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return client.send(request, handler);
        }
        try {
            @SuppressWarnings("unchecked")
            HttpResponse<T> r = (HttpResponse<T>) Blocking.await(s,
                    Suspend.isResuming(s) ? null : client.sendAsync(request, handler));
            return r;
        } catch (CompletionException e) {
            throw unwrapIo(e);
        }
    }

    public static InputStream openStream(URL url, Stack s) throws IOException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return url.openStream();
        }
        return new OffloadedInputStream((InputStream) offload(s, url::openStream));
    }

    public static InputStream getInputStream(URLConnection c, Stack s) throws IOException {
        if (!Suspend.isResuming(s) && s.task() == null) {
            return c.getInputStream();
        }
        return new OffloadedInputStream((InputStream) offload(s, c::getInputStream));
    }

    /**
     * Where the JDK's blocking HTTP stack runs for coroutines. Not the bounded {@code Coro.blocking} pool: a
     * thousand requests each waiting on a slow server would queue behind its few threads. On JDK 21 and later a
     * virtual thread per call; before, a pool that grows to {@code coro.http.threads} (default 512) daemon threads
     * and shrinks when idle.
     */
    private static final java.util.concurrent.Executor HTTP_OFFLOAD = httpOffload();

    private static java.util.concurrent.Executor httpOffload() {
        try {
            return (java.util.concurrent.Executor) java.util.concurrent.Executors.class
                    .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException beforeJdk21) {
            // threads started by the pool's own starter: the loop thread that hands a call over never waits for
            // a thread to start (a ThreadPoolExecutor starts its core threads in execute, on the caller's thread)
            return new dev.coro.internal.Workers("coro-http-", Settings.count("coro.http.threads", 512, 1, 1 << 15));
        }
    }

    static Object offload(Stack s, java.util.concurrent.Callable<?> call) throws IOException {
        try {
            java.util.concurrent.CompletableFuture<Object> f = null;
            if (!Suspend.isResuming(s)) {
                f = new java.util.concurrent.CompletableFuture<>();
                java.util.concurrent.CompletableFuture<Object> done = f;
                HTTP_OFFLOAD.execute(() -> {
                    try {
                        done.complete(call.call());
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
            }
            return Blocking.await(s, f); // a checked failure arrives wrapped in a CompletionException
        } catch (CompletionException e) {
            throw unwrapIo(e);
        }
    }

    private static IOException unwrapIo(CompletionException e) {
        Throwable c = e.getCause();
        if (c instanceof IOException) {
            return (IOException) c;
        }
        if (c instanceof UncheckedIOException) {
            return ((UncheckedIOException) c).getCause();
        }
        if (c instanceof RuntimeException) {
            throw (RuntimeException) c;
        }
        return new IOException(c);
    }

    // ---- plain forms ----

    public static <T> HttpResponse<T> send(HttpClient client, HttpRequest request,
                                           HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return client.send(request, handler);
    }

    public static InputStream openStream(URL url) throws IOException {
        return url.openStream();
    }

    public static InputStream getInputStream(URLConnection c) throws IOException {
        return c.getInputStream();
    }
}
