package dev.coro.internal.patch;

import dev.coro.internal.Blocking;
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
 * future. {@code URL.openStream()} and {@code URLConnection.getInputStream()} run the JDK's blocking HTTP stack on
 * the offload pool (as gevent resolves names on its thread pool), and hand back a stream whose reads in rewritten
 * code are offloaded too, so the loop never blocks on them.
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

    static Object offload(Stack s, java.util.concurrent.Callable<?> call) throws IOException {
        try {
            Object r = Blocking.call(s, Suspend.isResuming(s) ? null : call);
            return r;
        } catch (CompletionException e) {
            throw unwrapIo(e);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
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
