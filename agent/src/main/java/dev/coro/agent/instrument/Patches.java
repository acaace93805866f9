package dev.coro.agent.instrument;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * gevent's monkey patching, per call site: inside rewritten methods, a call to a blocking JDK method becomes a call
 * to its cooperative twin in {@code dev.coro.internal.patch.Patched} (instance methods pass their receiver first),
 * and that call is a suspension point like any other. Groups of patches can be switched off one by one.
 */
public final class Patches {
    static final String PATCHED = "dev/coro/internal/patch/Patched";
    static final String NET = "dev/coro/internal/patch/PatchedNet";

    /** The groups of {@code patch=all}, the default. */
    public static final Set<String> GROUPS = Set.of("sleep", "futures", "sockets", "http", "sync", "jdbc", "locals",
            "threads");
    /** Groups applied only when named ({@code patch=all,files}): file calls offloaded to the blocking pool. */
    public static final Set<String> OPT_IN = Set.of("files");
    static final String FILES = "dev/coro/internal/patch/PatchedFiles";
    static final String FILE_TEXT = "dev/coro/internal/patch/PatchedFileText";
    static final String HTTP = "dev/coro/internal/patch/PatchedHttp";
    static final String SYNC = "dev/coro/internal/patch/PatchedSync";
    static final String TLS = "dev/coro/internal/patch/PatchedTls";
    static final String CHANNELS = "dev/coro/internal/patch/PatchedChannels";
    static final String STREAMS = "dev/coro/internal/patch/SocketStreams";
    static final String LOCALS = "dev/coro/internal/patch/PatchedLocals";
    static final String THREADS = "dev/coro/internal/patch/PatchedThreads";
    static final String WAITS = "dev/coro/internal/patch/PatchedWaits";

    private static final class Target {
        /** The groups that switch it on (any of them): most redirects have one. */
        final String[] groups;
        final String owner;
        final String name;
        /** False for a replacement that never waits (it becomes a plain static call). */
        final boolean suspends;
        /** The receiver's parameter type in the twin, if not the call's owner. */
        final String receiver;

        Target(String group, String owner, String name, boolean suspends) {
            this(group, owner, name, suspends, null);
        }

        Target(String group, String owner, String name, boolean suspends, String receiver) {
            this.groups = group.split("\\|"); // "files|sockets": a redirect two groups share
            this.owner = owner;
            this.name = name;
            this.suspends = suspends;
            this.receiver = receiver;
        }

        boolean in(Set<String> enabled) {
            for (String g : groups) {
                if (enabled.contains(g)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The readers and writers of the {@code files} group (PatchedFileText) are also those {@code Channels.newReader}
     * and {@code newWriter} make over socket channels (group {@code sockets}): their twins dispatch on the object.
     */
    private static final String TEXT_GROUPS = "files|sockets";

    private static final Map<String, Target> TABLE = new HashMap<>();

    static {
        add("sleep", "java/lang/Thread", "sleep", "(J)V", "sleep");
        add("sleep", "java/lang/Thread", "sleep", "(JI)V", "sleep");
        add("sleep", "java/lang/Thread", "sleep", "(Ljava/time/Duration;)V", "sleep"); // JDK 19
        add("sleep", "java/lang/Thread", "yield", "()V", "yield");
        add("futures", "java/util/concurrent/CompletableFuture", "join", "()Ljava/lang/Object;", "join");
        add("futures", "java/util/concurrent/CompletableFuture", "get", "()Ljava/lang/Object;", "get");
        add("futures", "java/util/concurrent/CompletableFuture", "get",
                "(JLjava/util/concurrent/TimeUnit;)Ljava/lang/Object;", "get");
        waits();
        // a child process's end, awaited through Process.onExit()
        add("futures", "java/lang/Process", "waitFor", "()I", "waitFor");
        add("futures", "java/lang/Process", "waitFor", "(JLjava/util/concurrent/TimeUnit;)Z", "waitFor");
        // its pipes: what is read from them or written to them in a task waits on a worker
        for (String[] pipe : new String[][] {{"getInputStream", "Ljava/io/InputStream;"},
            {"getErrorStream", "Ljava/io/InputStream;"}, {"getOutputStream", "Ljava/io/OutputStream;"}}) {
            TABLE.put("java/lang/Process." + pipe[0] + "()" + pipe[1], new Target("futures", PATCHED, pipe[0], false));
        }
        for (String reader : new String[] {"inputReader", "errorReader"}) {
            for (String arg : new String[] {"", "Ljava/nio/charset/Charset;"}) {
                TABLE.put("java/lang/Process." + reader + "(" + arg + ")Ljava/io/BufferedReader;",
                        new Target("futures", PATCHED, reader, false));
            }
        }

        String socket = "java/net/Socket";
        String server = "java/net/ServerSocket";
        String in = "java/io/InputStream";
        String out = "java/io/OutputStream";
        construct(socket, "()V", "newSocket", false);
        construct(socket, "(Ljava/lang/String;I)V", "newSocket", true);
        construct(socket, "(Ljava/net/InetAddress;I)V", "newSocket", true);
        construct(server, "()V", "newServerSocket", false);
        construct(server, "(I)V", "newServerSocket", false);
        construct(server, "(II)V", "newServerSocket", false);
        construct(server, "(IILjava/net/InetAddress;)V", "newServerSocket", false);
        net(socket, "connect", "(Ljava/net/SocketAddress;)V");
        net(socket, "connect", "(Ljava/net/SocketAddress;I)V");
        net(server, "accept", "()Ljava/net/Socket;");
        net(in, "read", "()I");
        net(in, "read", "([B)I");
        net(in, "read", "([BII)I");
        net(in, "readAllBytes", "()[B");
        net(out, "write", "(I)V");
        net(out, "write", "([B)V");
        net(out, "write", "([BII)V");
        // UDP: new DatagramSocket(...) makes coro's CoDatagramSocket, new MulticastSocket(...) its CoMulticastSocket
        String udp = "java/net/DatagramSocket";
        construct(udp, "()V", "newDatagramSocket", false);
        construct(udp, "(Ljava/net/SocketAddress;)V", "newDatagramSocket", false);
        construct(udp, "(I)V", "newDatagramSocket", false);
        construct(udp, "(ILjava/net/InetAddress;)V", "newDatagramSocket", false);
        net(udp, "receive", "(Ljava/net/DatagramPacket;)V");
        net(udp, "send", "(Ljava/net/DatagramPacket;)V");
        String multicast = "java/net/MulticastSocket";
        construct(multicast, "()V", "newMulticastSocket", false);
        construct(multicast, "(I)V", "newMulticastSocket", false);
        construct(multicast, "(Ljava/net/SocketAddress;)V", "newMulticastSocket", false);
        TABLE.put(multicast + ".receive(Ljava/net/DatagramPacket;)V", new Target("sockets", NET, "receive", true, udp));
        TABLE.put(multicast + ".send(Ljava/net/DatagramPacket;)V", new Target("sockets", NET, "send", true, udp));
        TABLE.put("javax/net/SocketFactory.getDefault()Ljavax/net/SocketFactory;",
                new Target("sockets", NET, "socketFactory", false));
        TABLE.put("javax/net/ServerSocketFactory.getDefault()Ljavax/net/ServerSocketFactory;",
                new Target("sockets", NET, "serverSocketFactory", false));
        // binds never wait; under the launcher they set SO_REUSEPORT, and shutdown closes what they bound
        String ssc = "java/nio/channels/ServerSocketChannel";
        bind(ssc, "(Ljava/net/SocketAddress;)Ljava/nio/channels/ServerSocketChannel;");
        bind(ssc, "(Ljava/net/SocketAddress;I)Ljava/nio/channels/ServerSocketChannel;");
        bind("java/nio/channels/NetworkChannel", "(Ljava/net/SocketAddress;)Ljava/nio/channels/NetworkChannel;");
        bind(server, "(Ljava/net/SocketAddress;)V");
        bind(server, "(Ljava/net/SocketAddress;I)V");
        tls();
        channels();
        socketStreams();
        scannerAndObjectStreams();
        filterStreams();
        TABLE.put("java/net/InetAddress.getByName(Ljava/lang/String;)Ljava/net/InetAddress;",
                new Target("sockets", NET, "getByName", true));
        TABLE.put("java/net/InetAddress.getAllByName(Ljava/lang/String;)[Ljava/net/InetAddress;",
                new Target("sockets", NET, "getAllByName", true));
        http("java/net/http/HttpClient", "send",
                "(Ljava/net/http/HttpRequest;Ljava/net/http/HttpResponse$BodyHandler;)Ljava/net/http/HttpResponse;");
        http("java/net/URL", "openStream", "()Ljava/io/InputStream;");
        http("java/net/URLConnection", "getInputStream", "()Ljava/io/InputStream;");
        TABLE.put("java/net/HttpURLConnection.getInputStream()Ljava/io/InputStream;",
                new Target("http", HTTP, "getInputStream", true, "java/net/URLConnection"));

        files();

        // a thread a task starts may end its tasks' waits: no deadlock is declared while it lives
        TABLE.put("java/lang/Thread.start()V", new Target("threads", THREADS, "start", false));
        executors();

        // a value per task, not per loop thread (gevent patches threading.local so)
        String threadLocal = "java/lang/ThreadLocal";
        for (String owner : new String[] {threadLocal, "java/lang/InheritableThreadLocal"}) {
            TABLE.put(owner + ".get()Ljava/lang/Object;", new Target("locals", LOCALS, "get", false, threadLocal));
            TABLE.put(owner + ".set(Ljava/lang/Object;)V", new Target("locals", LOCALS, "set", false, threadLocal));
            TABLE.put(owner + ".remove()V", new Target("locals", LOCALS, "remove", false, threadLocal));
        }

        // java.util.concurrent: every call site's static type that javac emits for the common classes
        String lock = "java/util/concurrent/locks/Lock";
        String timed = "(JLjava/util/concurrent/TimeUnit;)Z";
        for (String owner : new String[] {lock, "java/util/concurrent/locks/ReentrantLock",
                "java/util/concurrent/locks/ReentrantReadWriteLock$ReadLock",
                "java/util/concurrent/locks/ReentrantReadWriteLock$WriteLock"}) {
            sync(owner, lock, "lock", "()V", true);
            sync(owner, lock, "lockInterruptibly", "()V", true);
            sync(owner, lock, "tryLock", "()Z", false);
            sync(owner, lock, "tryLock", timed, true);
            sync(owner, lock, "unlock", "()V", false);
            sync(owner, lock, "newCondition", "()Ljava/util/concurrent/locks/Condition;", false);
        }
        String condition = "java/util/concurrent/locks/Condition";
        sync(condition, condition, "await", "()V", true);
        sync(condition, condition, "await", timed, true);
        sync(condition, condition, "awaitNanos", "(J)J", true);
        sync(condition, condition, "awaitUninterruptibly", "()V", true);
        sync(condition, condition, "signal", "()V", false);
        sync(condition, condition, "signalAll", "()V", false);
        String latch = "java/util/concurrent/CountDownLatch";
        sync(latch, latch, "await", "()V", true);
        sync(latch, latch, "await", timed, true);
        sync(latch, latch, "countDown", "()V", false);
        String semaphore = "java/util/concurrent/Semaphore";
        sync(semaphore, semaphore, "acquire", "()V", true);
        sync(semaphore, semaphore, "acquire", "(I)V", true);
        sync(semaphore, semaphore, "acquireUninterruptibly", "()V", true);
        sync(semaphore, semaphore, "acquireUninterruptibly", "(I)V", true);
        sync(semaphore, semaphore, "tryAcquire", timed, true);
        sync(semaphore, semaphore, "tryAcquire", "(IJLjava/util/concurrent/TimeUnit;)Z", true);
        sync(semaphore, semaphore, "release", "()V", false);
        sync(semaphore, semaphore, "release", "(I)V", false);
        String queue = "java/util/concurrent/BlockingQueue";
        // not SynchronousQueue or LinkedTransferQueue: their hand-offs need a waiting thread, not a retry
        for (String owner : new String[] {queue, "java/util/concurrent/BlockingDeque",
                "java/util/concurrent/LinkedBlockingQueue", "java/util/concurrent/ArrayBlockingQueue",
                "java/util/concurrent/LinkedBlockingDeque", "java/util/concurrent/PriorityBlockingQueue",
                "java/util/concurrent/DelayQueue"}) {
            sync(owner, queue, "put", "(Ljava/lang/Object;)V", true);
            sync(owner, queue, "take", "()Ljava/lang/Object;", true);
            sync(owner, queue, "poll", "(JLjava/util/concurrent/TimeUnit;)Ljava/lang/Object;", true);
            sync(owner, queue, "offer", "(Ljava/lang/Object;JLjava/util/concurrent/TimeUnit;)Z", true);
            sync(owner, queue, "offer", "(Ljava/lang/Object;)Z", false);
            sync(owner, queue, "add", "(Ljava/lang/Object;)Z", false);
            sync(owner, queue, "poll", "()Ljava/lang/Object;", false);
        }
    }

    /**
     * Work given to an executor (group {@code threads}, as a thread a task starts): pending until it ends, it may end
     * the waits of the task's loop. Each static type javac names for the JDK's executors ({@code invokeAll} and
     * {@code invokeAny} wait for their work: group {@code futures}).
     */
    private static void executors() {
        String cu = "java/util/concurrent/";
        String executor = cu + "Executor";
        String service = cu + "ExecutorService";
        String fjp = cu + "ForkJoinPool";
        String runnable = "Ljava/lang/Runnable;";
        String future = ")L" + cu + "Future;";
        for (String owner : new String[] {executor, service, cu + "ScheduledExecutorService",
                cu + "AbstractExecutorService", cu + "ThreadPoolExecutor", cu + "ScheduledThreadPoolExecutor", fjp}) {
            TABLE.put(owner + ".execute(" + runnable + ")V", new Target("threads", THREADS, "execute", false,
                    executor));
        }
        for (String owner : new String[] {service, cu + "ScheduledExecutorService", cu + "AbstractExecutorService",
                cu + "ThreadPoolExecutor", cu + "ScheduledThreadPoolExecutor"}) {
            for (String args : new String[] {runnable, runnable + "Ljava/lang/Object;", "L" + cu + "Callable;"}) {
                TABLE.put(owner + ".submit(" + args + future, new Target("threads", THREADS, "submit", false,
                        service));
            }
        }
        // a delayed or periodic hand-off: pending until it ran (a periodic one: until cancelled)
        String scheduled = cu + "ScheduledExecutorService";
        String delay = "JL" + cu + "TimeUnit;)L" + cu + "ScheduledFuture;";
        for (String owner : new String[] {scheduled, cu + "ScheduledThreadPoolExecutor"}) {
            for (String args : new String[] {runnable, "L" + cu + "Callable;"}) {
                TABLE.put(owner + ".schedule(" + args + delay, new Target("threads", THREADS, "schedule", false,
                        scheduled));
            }
            for (String name : new String[] {"scheduleAtFixedRate", "scheduleWithFixedDelay"}) {
                TABLE.put(owner + "." + name + "(" + runnable + "J" + delay, new Target("threads", THREADS, name,
                        false, scheduled));
            }
        }
        String fjTask = "L" + cu + "ForkJoinTask;";
        TABLE.put(fjp + ".execute(" + fjTask + ")V", new Target("threads", THREADS, "execute", false));
        for (String args : new String[] {runnable, runnable + "Ljava/lang/Object;", "L" + cu + "Callable;", fjTask}) {
            TABLE.put(fjp + ".submit(" + args + ")" + fjTask, new Target("threads", THREADS, "submit", false));
        }
        String cf = cu + "CompletableFuture";
        String supplier = "Ljava/util/function/Supplier;";
        String exec = "L" + executor + ";";
        for (String desc : new String[] {"(" + runnable + ")", "(" + runnable + exec + ")"}) {
            TABLE.put(cf + ".runAsync" + desc + "L" + cf + ";", new Target("threads", THREADS, "runAsync", false));
        }
        for (String desc : new String[] {"(" + supplier + ")", "(" + supplier + exec + ")"}) {
            TABLE.put(cf + ".supplyAsync" + desc + "L" + cf + ";", new Target("threads", THREADS, "supplyAsync",
                    false));
        }
    }

    /**
     * Waits for other threads' work that no callback reports (group {@code futures}, runtime PatchedWaits): a
     * future's {@code get} (other than a CompletableFuture's own, above), a ForkJoinTask's {@code join}, a thread's
     * {@code join}, an executor's {@code invokeAll}/{@code invokeAny}/{@code awaitTermination}; and a
     * CompletionService's {@code take}/{@code poll}. Each static type javac names for the JDK's classes (a subclass
     * of a library's is found through the hierarchy).
     */
    private static void waits() {
        String cu = "java/util/concurrent/";
        String future = cu + "Future";
        String obj = "Ljava/lang/Object;";
        String timed = "JL" + cu + "TimeUnit;";
        String[] forkJoinTasks = {cu + "ForkJoinTask", cu + "RecursiveTask", cu + "RecursiveAction",
            cu + "CountedCompleter"};
        java.util.List<String> futures = new java.util.ArrayList<>(java.util.List.of(future, cu + "RunnableFuture",
                cu + "ScheduledFuture", cu + "RunnableScheduledFuture", cu + "FutureTask"));
        futures.addAll(java.util.List.of(forkJoinTasks));
        for (String owner : futures) {
            TABLE.put(owner + ".get()" + obj, new Target("futures", WAITS, "get", true, future));
            TABLE.put(owner + ".get(" + timed + ")" + obj, new Target("futures", WAITS, "get", true, future));
        }
        for (String owner : forkJoinTasks) {
            TABLE.put(owner + ".join()" + obj, new Target("futures", WAITS, "join", true, cu + "ForkJoinTask"));
        }
        String fjTask = "L" + cu + "ForkJoinTask;";
        TABLE.put(cu + "ForkJoinPool.invoke(" + fjTask + ")" + obj, new Target("futures", WAITS, "invoke", true));
        String service = cu + "ExecutorService";
        String all = "(Ljava/util/Collection;";
        for (String owner : new String[] {service, cu + "ScheduledExecutorService", cu + "AbstractExecutorService",
                cu + "ThreadPoolExecutor", cu + "ScheduledThreadPoolExecutor", cu + "ForkJoinPool"}) {
            TABLE.put(owner + ".invokeAll" + all + ")Ljava/util/List;", new Target("futures", WAITS, "invokeAll",
                    true, service));
            TABLE.put(owner + ".invokeAll" + all + timed + ")Ljava/util/List;", new Target("futures", WAITS,
                    "invokeAll", true, service));
            TABLE.put(owner + ".invokeAny" + all + ")" + obj, new Target("futures", WAITS, "invokeAny", true,
                    service));
            TABLE.put(owner + ".invokeAny" + all + timed + ")" + obj, new Target("futures", WAITS, "invokeAny",
                    true, service));
            TABLE.put(owner + ".awaitTermination(" + timed + ")Z", new Target("futures", WAITS,
                    "awaitTermination", true, service));
            TABLE.put(owner + ".close()V", new Target("futures", WAITS, "close", true, service)); // JDK 19
        }
        for (String desc : new String[] {"()V", "(J)V", "(JI)V", "(Ljava/time/Duration;)Z"}) {
            TABLE.put("java/lang/Thread.join" + desc, new Target("futures", WAITS, "join", true));
        }
        // a barrier's or phaser's party waiting (group sync): a worker thread waits in its place
        String barrier = cu + "CyclicBarrier";
        TABLE.put(barrier + ".await()I", new Target("sync", WAITS, "await", true));
        TABLE.put(barrier + ".await(" + timed + ")I", new Target("sync", WAITS, "await", true));
        String phaser = cu + "Phaser";
        TABLE.put(phaser + ".arriveAndAwaitAdvance()I", new Target("sync", WAITS, "arriveAndAwaitAdvance", true));
        TABLE.put(phaser + ".awaitAdvance(I)I", new Target("sync", WAITS, "awaitAdvance", true));
        TABLE.put(phaser + ".awaitAdvanceInterruptibly(I)I", new Target("sync", WAITS, "awaitAdvanceInterruptibly",
                true));
        TABLE.put(phaser + ".awaitAdvanceInterruptibly(I" + timed + ")I", new Target("sync", WAITS,
                "awaitAdvanceInterruptibly", true));
        String completion = cu + "CompletionService";
        for (String owner : new String[] {completion, cu + "ExecutorCompletionService"}) {
            TABLE.put(owner + ".take()L" + future + ";", new Target("futures", SYNC, "take", true, completion));
            TABLE.put(owner + ".poll(" + timed + ")L" + future + ";", new Target("futures", SYNC, "poll", true,
                    completion));
        }
    }

    /**
     * The opt-in {@code files} group (runtime PatchedFiles): opens, reads and writes of files run on the blocking
     * pool while the coroutine suspends.
     */
    private static void files() {
        String fis = "java/io/FileInputStream";
        String fos = "java/io/FileOutputStream";
        String raf = "java/io/RandomAccessFile";
        for (String desc : new String[] {"(Ljava/lang/String;)V", "(Ljava/io/File;)V"}) {
            TABLE.put(fis + ".<init>" + desc, new Target("files", FILES, "newFileInputStream", true));
        }
        for (String desc : new String[] {"(Ljava/lang/String;)V", "(Ljava/lang/String;Z)V", "(Ljava/io/File;)V",
                "(Ljava/io/File;Z)V"}) {
            TABLE.put(fos + ".<init>" + desc, new Target("files", FILES, "newFileOutputStream", true));
        }
        for (String desc : new String[] {"(Ljava/lang/String;Ljava/lang/String;)V",
                "(Ljava/io/File;Ljava/lang/String;)V"}) {
            TABLE.put(raf + ".<init>" + desc, new Target("files", FILES, "newRandomAccessFile", true));
        }
        for (String owner : new String[] {fis, raf}) {
            file(owner, "read", "()I");
            file(owner, "read", "([B)I");
            file(owner, "read", "([BII)I");
        }
        file(fis, "readAllBytes", "()[B");
        file(raf, "readFully", "([B)V");
        file(raf, "readFully", "([BII)V");
        for (String owner : new String[] {fos, raf}) {
            file(owner, "write", "(I)V");
            file(owner, "write", "([B)V");
            file(owner, "write", "([BII)V");
        }
        String fc = "java/nio/channels/FileChannel";
        file(fc, "read", "(Ljava/nio/ByteBuffer;)I");
        file(fc, "read", "(Ljava/nio/ByteBuffer;J)I");
        file(fc, "write", "(Ljava/nio/ByteBuffer;)I");
        file(fc, "write", "(Ljava/nio/ByteBuffer;J)I");
        String files = "java/nio/file/Files";
        String path = "Ljava/nio/file/Path;";
        String cs = "Ljava/nio/charset/Charset;";
        String opts = "[Ljava/nio/file/OpenOption;";
        String lines = "Ljava/lang/Iterable;";
        file(files, "readAllBytes", "(" + path + ")[B");
        file(files, "readString", "(" + path + ")Ljava/lang/String;");
        file(files, "readString", "(" + path + cs + ")Ljava/lang/String;");
        file(files, "readAllLines", "(" + path + ")Ljava/util/List;");
        file(files, "readAllLines", "(" + path + cs + ")Ljava/util/List;");
        file(files, "write", "(" + path + "[B" + opts + ")" + path);
        file(files, "write", "(" + path + lines + opts + ")" + path);
        file(files, "write", "(" + path + lines + cs + opts + ")" + path);
        file(files, "writeString", "(" + path + "Ljava/lang/CharSequence;" + opts + ")" + path);
        file(files, "writeString", "(" + path + "Ljava/lang/CharSequence;" + cs + opts + ")" + path);
        file(files, "copy", "(" + path + path + "[Ljava/nio/file/CopyOption;)" + path);
        fileText();
    }

    /**
     * The {@code files} group's readers, writers and streams (runtime PatchedFileText): the opens, then the calls
     * on what they return, dispatched at run time (anything else's calls run unchanged).
     */
    private static void fileText() {
        String file = "Ljava/io/File;";
        String str = "Ljava/lang/String;";
        String cs = "Ljava/nio/charset/Charset;";
        for (String desc : new String[] {"(" + str + ")V", "(" + file + ")V", "(" + str + cs + ")V",
                "(" + file + cs + ")V"}) {
            TABLE.put("java/io/FileReader.<init>" + desc, new Target("files", FILE_TEXT, "newFileReader", true));
        }
        for (String desc : new String[] {"(" + str + ")V", "(" + str + "Z)V", "(" + file + ")V", "(" + file + "Z)V",
                "(" + str + cs + ")V", "(" + str + cs + "Z)V", "(" + file + cs + ")V", "(" + file + cs + "Z)V"}) {
            TABLE.put("java/io/FileWriter.<init>" + desc, new Target("files", FILE_TEXT, "newFileWriter", true));
        }
        for (String desc : new String[] {"(Ljava/io/Reader;)V", "(Ljava/io/Reader;I)V"}) {
            TABLE.put("java/io/BufferedReader.<init>" + desc,
                    new Target(TEXT_GROUPS, FILE_TEXT, "newBufferedReader", false));
        }
        for (String desc : new String[] {"(Ljava/io/Writer;)V", "(Ljava/io/Writer;I)V"}) {
            TABLE.put("java/io/BufferedWriter.<init>" + desc,
                    new Target(TEXT_GROUPS, FILE_TEXT, "newBufferedWriter", false));
        }
        String files = "java/nio/file/Files.";
        String path = "Ljava/nio/file/Path;";
        String opts = "[Ljava/nio/file/OpenOption;";
        String[][] opens = {
            {"newBufferedReader", "(" + path + ")Ljava/io/BufferedReader;"},
            {"newBufferedReader", "(" + path + cs + ")Ljava/io/BufferedReader;"},
            {"newBufferedWriter", "(" + path + opts + ")Ljava/io/BufferedWriter;"},
            {"newBufferedWriter", "(" + path + cs + opts + ")Ljava/io/BufferedWriter;"},
            {"newInputStream", "(" + path + opts + ")Ljava/io/InputStream;"},
            {"newOutputStream", "(" + path + opts + ")Ljava/io/OutputStream;"},
            {"lines", "(" + path + ")Ljava/util/stream/Stream;"},
            {"lines", "(" + path + cs + ")Ljava/util/stream/Stream;"}};
        for (String[] o : opens) {
            TABLE.put(files + o[0] + o[1], new Target("files", FILE_TEXT, o[0], true));
        }
        String reader = "java/io/Reader";
        for (String owner : new String[] {reader, "java/io/InputStreamReader", "java/io/FileReader",
                "java/io/BufferedReader", "java/io/FilterReader", "java/io/PushbackReader", "java/io/LineNumberReader"}) {
            text(owner, "read", "()I", reader);
            text(owner, "read", "([C)I", reader);
            text(owner, "read", "([CII)I", reader);
            text(owner, "close", "()V", reader);
        }
        text("java/io/BufferedReader", "readLine", "()Ljava/lang/String;", "java/io/BufferedReader");
        text("java/io/LineNumberReader", "readLine", "()Ljava/lang/String;", "java/io/BufferedReader");
        String writer = "java/io/Writer";
        for (String owner : new String[] {writer, "java/io/OutputStreamWriter", "java/io/FileWriter",
                "java/io/BufferedWriter"}) {
            text(owner, "write", "(I)V", writer);
            text(owner, "write", "([C)V", writer);
            text(owner, "write", "([CII)V", writer);
            text(owner, "write", "(" + str + ")V", writer);
            text(owner, "write", "(" + str + "II)V", writer);
            text(owner, "append", "(Ljava/lang/CharSequence;)Ljava/io/Writer;", writer);
            text(owner, "flush", "()V", writer);
            text(owner, "close", "()V", writer);
        }
        text("java/io/BufferedWriter", "newLine", "()V", "java/io/BufferedWriter");
    }

    private static void text(String owner, String name, String desc, String receiver) {
        TABLE.put(owner + '.' + name + desc, new Target(TEXT_GROUPS, FILE_TEXT, name, true, receiver));
    }

    private static void file(String owner, String name, String desc) {
        TABLE.put(owner + '.' + name + desc, new Target("files", FILES, name, true));
    }

    /** TLS: factories of coro's TLS sockets, their cooperative connect and handshake (runtime PatchedTls). */
    private static void tls() {
        String ssl = "javax/net/ssl/";
        TABLE.put(ssl + "SSLSocketFactory.getDefault()Ljavax/net/SocketFactory;",
                new Target("sockets", TLS, "defaultSocketFactory", false));
        TABLE.put(ssl + "SSLServerSocketFactory.getDefault()Ljavax/net/ServerSocketFactory;",
                new Target("sockets", TLS, "defaultServerSocketFactory", false));
        TABLE.put(ssl + "SSLContext.getSocketFactory()Ljavax/net/ssl/SSLSocketFactory;",
                new Target("sockets", TLS, "getSocketFactory", false));
        TABLE.put(ssl + "SSLContext.getServerSocketFactory()Ljavax/net/ssl/SSLServerSocketFactory;",
                new Target("sockets", TLS, "getServerSocketFactory", false));
        TABLE.put(ssl + "SSLSocketFactory.createSocket(Ljava/lang/String;I)Ljava/net/Socket;",
                new Target("sockets", TLS, "createSocket", true));
        TABLE.put(ssl + "SSLSocket.startHandshake()V", new Target("sockets", TLS, "startHandshake", true));
        // the socket calls PatchedNet dispatches on coro's TLS sockets, made on the TLS types
        TABLE.put(ssl + "SSLSocket.connect(Ljava/net/SocketAddress;)V",
                new Target("sockets", NET, "connect", true, "java/net/Socket"));
        TABLE.put(ssl + "SSLSocket.connect(Ljava/net/SocketAddress;I)V",
                new Target("sockets", NET, "connect", true, "java/net/Socket"));
        TABLE.put(ssl + "SSLServerSocket.accept()Ljava/net/Socket;",
                new Target("sockets", NET, "accept", true, "java/net/ServerSocket"));
    }

    /**
     * Blocking-mode socket channels, TCP and Unix-domain (runtime PatchedChannels): every static type javac may
     * emit for their blocking calls; the twins check the object at run time and run anything else unchanged.
     */
    private static void channels() {
        String nio = "java/nio/channels/";
        String sc = nio + "SocketChannel";
        String buf = "(Ljava/nio/ByteBuffer;)I";
        String bufs = "([Ljava/nio/ByteBuffer;)J";
        String bufsRange = "([Ljava/nio/ByteBuffer;II)J";
        channel(sc, "open", "(Ljava/net/SocketAddress;)Ljava/nio/channels/SocketChannel;", true, null);
        channel(sc, "connect", "(Ljava/net/SocketAddress;)Z", true, null);
        channel(sc, "finishConnect", "()Z", true, null);
        channel(nio + "ServerSocketChannel", "accept", "()Ljava/nio/channels/SocketChannel;", true, null);
        String dc = nio + "DatagramChannel";
        for (String owner : new String[] {sc, dc, nio + "ReadableByteChannel", nio + "ByteChannel",
                nio + "ScatteringByteChannel"}) {
            channel(owner, "read", buf, true, nio + "ReadableByteChannel");
        }
        for (String owner : new String[] {sc, dc, nio + "WritableByteChannel", nio + "ByteChannel",
                nio + "GatheringByteChannel"}) {
            channel(owner, "write", buf, true, nio + "WritableByteChannel");
        }
        for (String owner : new String[] {sc, dc, nio + "ScatteringByteChannel"}) {
            channel(owner, "read", bufs, true, nio + "ScatteringByteChannel");
            channel(owner, "read", bufsRange, true, nio + "ScatteringByteChannel");
        }
        for (String owner : new String[] {sc, dc, nio + "GatheringByteChannel"}) {
            channel(owner, "write", bufs, true, nio + "GatheringByteChannel");
            channel(owner, "write", bufsRange, true, nio + "GatheringByteChannel");
        }
        channel(dc, "receive", "(Ljava/nio/ByteBuffer;)Ljava/net/SocketAddress;", true, null);
        // streams, readers and writers over socket channels (runtime ChannelStreams): their reads and writes go
        // through the patches above; over any other channel, the JDK's objects
        String chs = nio + "Channels.";
        String streams = "dev/coro/internal/patch/ChannelStreams";
        String rbc = "(L" + nio + "ReadableByteChannel;";
        String wbc = "(L" + nio + "WritableByteChannel;";
        String[][] factories = {
            {"newInputStream", rbc + ")Ljava/io/InputStream;"},
            {"newOutputStream", wbc + ")Ljava/io/OutputStream;"},
            {"newReader", rbc + "Ljava/nio/charset/CharsetDecoder;I)Ljava/io/Reader;"},
            {"newReader", rbc + "Ljava/lang/String;)Ljava/io/Reader;"},
            {"newReader", rbc + "Ljava/nio/charset/Charset;)Ljava/io/Reader;"},
            {"newWriter", wbc + "Ljava/nio/charset/CharsetEncoder;I)Ljava/io/Writer;"},
            {"newWriter", wbc + "Ljava/lang/String;)Ljava/io/Writer;"},
            {"newWriter", wbc + "Ljava/nio/charset/Charset;)Ljava/io/Writer;"}};
        for (String[] f : factories) {
            TABLE.put(chs + f[0] + f[1], new Target("sockets", streams, f[0], false));
        }
        channel(dc, "send", "(Ljava/nio/ByteBuffer;Ljava/net/SocketAddress;)I", true, null);
        // the mode the user sees, and a close that wakes whoever waits on the channel
        for (String owner : new String[] {sc, nio + "ServerSocketChannel", dc, nio + "SelectableChannel",
                nio + "spi/AbstractSelectableChannel"}) {
            channel(owner, "isBlocking", "()Z", false, nio + "SelectableChannel");
            channel(owner, "configureBlocking", "(Z)Ljava/nio/channels/SelectableChannel;", false,
                    nio + "SelectableChannel");
        }
        for (String owner : new String[] {sc, nio + "ServerSocketChannel", dc, nio + "SelectableChannel",
                nio + "spi/AbstractSelectableChannel", nio + "spi/AbstractInterruptibleChannel", nio + "Channel",
                nio + "InterruptibleChannel", nio + "NetworkChannel", nio + "ByteChannel",
                nio + "ReadableByteChannel", nio + "WritableByteChannel", nio + "ScatteringByteChannel",
                nio + "GatheringByteChannel"}) {
            channel(owner, "close", "()V", false, nio + "Channel");
        }
    }

    /**
     * The JDK's wrappers around a socket's streams (runtime SocketStreams): {@code new InputStreamReader},
     * {@code OutputStreamWriter}, {@code Buffered/DataInputStream}, {@code Buffered/DataOutputStream},
     * {@code PrintWriter}, {@code PrintStream} around a coro socket's stream give cooperative subclasses (anything
     * else's, the JDK's objects); their calls at every static type javac emits go to twins that dispatch on the object (reads and
     * writes of plain InputStream/OutputStream types through PatchedNet; Reader/Writer calls through PatchedFileText).
     */
    private static void socketStreams() {
        String is = "Ljava/io/InputStream;";
        String os = "Ljava/io/OutputStream;";
        String cs = "Ljava/nio/charset/Charset;";
        String str = "Ljava/lang/String;";
        String[][] ctors = {
            {"java/io/InputStreamReader", "newInputStreamReader", "(" + is + ")V", "(" + is + cs + ")V",
                "(" + is + str + ")V", "(" + is + "Ljava/nio/charset/CharsetDecoder;)V"},
            {"java/io/OutputStreamWriter", "newOutputStreamWriter", "(" + os + ")V", "(" + os + cs + ")V",
                "(" + os + str + ")V", "(" + os + "Ljava/nio/charset/CharsetEncoder;)V"},
            {"java/io/BufferedInputStream", "newBufferedInputStream", "(" + is + ")V", "(" + is + "I)V"},
            {"java/io/BufferedOutputStream", "newBufferedOutputStream", "(" + os + ")V", "(" + os + "I)V"},
            {"java/io/DataInputStream", "newDataInputStream", "(" + is + ")V"},
            {"java/io/DataOutputStream", "newDataOutputStream", "(" + os + ")V"},
            {"java/io/PrintWriter", "newPrintWriter", "(Ljava/io/Writer;)V", "(Ljava/io/Writer;Z)V",
                "(" + os + ")V", "(" + os + "Z)V", "(" + os + "Z" + cs + ")V"},
            {"java/io/PrintStream", "newPrintStream", "(" + os + ")V", "(" + os + "Z)V", "(" + os + "Z" + str + ")V",
                "(" + os + "Z" + cs + ")V"},
            {"java/io/PushbackInputStream", "newPushbackInputStream", "(" + is + ")V", "(" + is + "I)V"},
            {"java/io/PushbackReader", "newPushbackReader", "(Ljava/io/Reader;)V", "(Ljava/io/Reader;I)V"}};
        for (String[] c : ctors) {
            for (int i = 2; i < c.length; i++) {
                TABLE.put(c[0] + ".<init>" + c[i], new Target("sockets", STREAMS, c[1], false));
            }
        }
        // coro's LineNumberReader around its readers; skip and transferTo of its readers (runtime CoopReaders)
        String readers = "dev/coro/internal/patch/CoopReaders";
        for (String desc : new String[] {"(Ljava/io/Reader;)V", "(Ljava/io/Reader;I)V"}) {
            TABLE.put("java/io/LineNumberReader.<init>" + desc, new Target("sockets", readers, "newLineNumberReader",
                    false));
        }
        for (String owner : new String[] {"java/io/Reader", "java/io/InputStreamReader", "java/io/BufferedReader",
                "java/io/FilterReader", "java/io/PushbackReader", "java/io/LineNumberReader"}) {
            TABLE.put(owner + ".skip(J)J", new Target("sockets", readers, "skip", true, "java/io/Reader"));
            TABLE.put(owner + ".transferTo(Ljava/io/Writer;)J", new Target("sockets", readers, "transferTo", true,
                    "java/io/Reader"));
        }
        String in = "java/io/InputStream";
        String out = "java/io/OutputStream";
        for (String owner : new String[] {"java/io/FilterInputStream", "java/io/BufferedInputStream",
                "java/io/DataInputStream", "java/io/PushbackInputStream"}) {
            TABLE.put(owner + ".read()I", new Target("sockets", NET, "read", true, in));
            TABLE.put(owner + ".read([B)I", new Target("sockets", NET, "read", true, in));
            TABLE.put(owner + ".read([BII)I", new Target("sockets", NET, "read", true, in));
            TABLE.put(owner + ".readAllBytes()[B", new Target("sockets", NET, "readAllBytes", true, in));
        }
        // the InputStream calls whose JDK code loops over reads: coro's loops on coro's wrappers (SocketStreams)
        for (String owner : new String[] {in, "java/io/FilterInputStream", "java/io/BufferedInputStream",
                "java/io/DataInputStream", "java/io/PushbackInputStream"}) {
            TABLE.put(owner + ".readNBytes([BII)I", new Target("sockets", STREAMS, "readNBytes", true, in));
            TABLE.put(owner + ".readNBytes(I)[B", new Target("sockets", STREAMS, "readNBytes", true, in));
            TABLE.put(owner + ".skip(J)J", new Target("sockets", STREAMS, "skip", true, in));
            TABLE.put(owner + ".transferTo(Ljava/io/OutputStream;)J", new Target("sockets", STREAMS, "transferTo",
                    true, in));
        }
        for (String owner : new String[] {"java/io/FilterOutputStream", "java/io/BufferedOutputStream",
                "java/io/DataOutputStream"}) {
            TABLE.put(owner + ".write(I)V", new Target("sockets", NET, "write", true, out));
            TABLE.put(owner + ".write([B)V", new Target("sockets", NET, "write", true, out));
            TABLE.put(owner + ".write([BII)V", new Target("sockets", NET, "write", true, out));
        }
        for (String owner : new String[] {out, "java/io/FilterOutputStream", "java/io/BufferedOutputStream",
                "java/io/DataOutputStream"}) {
            TABLE.put(owner + ".flush()V", new Target("sockets", STREAMS, "flush", true, out));
            TABLE.put(owner + ".close()V", new Target("sockets", STREAMS, "close", true, out));
        }
        String[][] dataIn = {{"readFully", "([B)V"}, {"readFully", "([BII)V"}, {"skipBytes", "(I)I"},
            {"readBoolean", "()Z"}, {"readByte", "()B"}, {"readUnsignedByte", "()I"}, {"readShort", "()S"},
            {"readUnsignedShort", "()I"}, {"readChar", "()C"}, {"readInt", "()I"}, {"readLong", "()J"},
            {"readFloat", "()F"}, {"readDouble", "()D"}, {"readUTF", "()" + str}, {"readLine", "()" + str}};
        for (String owner : new String[] {"java/io/DataInputStream", "java/io/DataInput"}) {
            for (String[] m : dataIn) {
                TABLE.put(owner + '.' + m[0] + m[1], new Target("sockets", STREAMS, m[0], true, "java/io/DataInput"));
            }
        }
        String[][] dataOut = {{"writeBoolean", "(Z)V"}, {"writeByte", "(I)V"}, {"writeShort", "(I)V"},
            {"writeChar", "(I)V"}, {"writeInt", "(I)V"}, {"writeLong", "(J)V"}, {"writeFloat", "(F)V"},
            {"writeDouble", "(D)V"}, {"writeBytes", "(" + str + ")V"}, {"writeChars", "(" + str + ")V"},
            {"writeUTF", "(" + str + ")V"}};
        for (String owner : new String[] {"java/io/DataOutputStream", "java/io/DataOutput"}) {
            for (String[] m : dataOut) {
                TABLE.put(owner + '.' + m[0] + m[1], new Target("sockets", STREAMS, m[0], true, "java/io/DataOutput"));
            }
        }
        for (String desc : new String[] {"(I)V", "([B)V", "([BII)V"}) {
            TABLE.put("java/io/DataOutput.write" + desc, new Target("sockets", STREAMS, "write", true,
                    "java/io/DataOutput"));
        }
        String pw = "java/io/PrintWriter";
        String self = ")Ljava/io/PrintWriter;";
        String args = str + "[Ljava/lang/Object;";
        String[][] print = {{"write", "(I)V"}, {"write", "([C)V"}, {"write", "([CII)V"}, {"write", "(" + str + ")V"},
            {"write", "(" + str + "II)V"}, {"append", "(Ljava/lang/CharSequence;" + self},
            {"append", "(Ljava/lang/CharSequence;II" + self}, {"append", "(C" + self}, {"flush", "()V"},
            {"close", "()V"}, {"checkError", "()Z"}, {"println", "()V"}, {"printf", "(" + args + self},
            {"printf", "(Ljava/util/Locale;" + args + self}, {"format", "(" + args + self},
            {"format", "(Ljava/util/Locale;" + args + self}};
        for (String[] m : print) {
            TABLE.put(pw + '.' + m[0] + m[1], new Target("sockets", STREAMS, m[0], true, pw));
        }
        for (String t : new String[] {"Z", "C", "I", "J", "F", "D", "[C", str, "Ljava/lang/Object;"}) {
            TABLE.put(pw + ".print(" + t + ")V", new Target("sockets", STREAMS, "print", true, pw));
            TABLE.put(pw + ".println(" + t + ")V", new Target("sockets", STREAMS, "println", true, pw));
        }
        // PrintStream (System.out's calls too: their twins run anything but coro's PrintStream unchanged)
        String ps = "java/io/PrintStream";
        String psSelf = ")Ljava/io/PrintStream;";
        String[][] printStream = {{"write", "(I)V"}, {"write", "([BII)V"}, {"write", "([B)V"},
            {"writeBytes", "([B)V"}, {"append", "(Ljava/lang/CharSequence;" + psSelf},
            {"append", "(Ljava/lang/CharSequence;II" + psSelf}, {"append", "(C" + psSelf}, {"flush", "()V"},
            {"close", "()V"}, {"checkError", "()Z"}, {"println", "()V"}, {"printf", "(" + args + psSelf},
            {"printf", "(Ljava/util/Locale;" + args + psSelf}, {"format", "(" + args + psSelf},
            {"format", "(Ljava/util/Locale;" + args + psSelf}};
        for (String[] m : printStream) {
            TABLE.put(ps + '.' + m[0] + m[1], new Target("sockets", STREAMS, m[0], true, ps));
        }
        for (String t : new String[] {"Z", "C", "I", "J", "F", "D", "[C", str, "Ljava/lang/Object;"}) {
            TABLE.put(ps + ".print(" + t + ")V", new Target("sockets", STREAMS, "print", true, ps));
            TABLE.put(ps + ".println(" + t + ")V", new Target("sockets", STREAMS, "println", true, ps));
        }
    }

    /**
     * {@code Scanner}, {@code ObjectInputStream} and {@code ObjectOutputStream} around a coro socket's streams
     * (runtime PatchedScanner, CoopObjects): the constructors, then the calls that may wait, dispatched at run time
     * (anything else's run unchanged). A Scanner's and an ObjectInputStream's waits run on worker threads; an
     * ObjectOutputStream writes through coro's sink.
     */
    private static void scannerAndObjectStreams() {
        String scanner = "dev/coro/internal/patch/PatchedScanner";
        String objects = "dev/coro/internal/patch/CoopObjects";
        String is = "Ljava/io/InputStream;";
        for (String desc : new String[] {"(" + is + ")V", "(" + is + "Ljava/lang/String;)V",
                "(" + is + "Ljava/nio/charset/Charset;)V", "(Ljava/lang/Readable;)V"}) {
            TABLE.put("java/util/Scanner.<init>" + desc, new Target("sockets", scanner, "newScanner", false));
        }
        String[][] scans = {
            {"hasNext", "()Z"},
            {"hasNext", "(Ljava/lang/String;)Z"},
            {"hasNext", "(Ljava/util/regex/Pattern;)Z"},
            {"next", "()Ljava/lang/String;"},
            {"next", "(Ljava/lang/String;)Ljava/lang/String;"},
            {"next", "(Ljava/util/regex/Pattern;)Ljava/lang/String;"},
            {"hasNextLine", "()Z"},
            {"nextLine", "()Ljava/lang/String;"},
            {"findInLine", "(Ljava/lang/String;)Ljava/lang/String;"},
            {"findInLine", "(Ljava/util/regex/Pattern;)Ljava/lang/String;"},
            {"findWithinHorizon", "(Ljava/lang/String;I)Ljava/lang/String;"},
            {"findWithinHorizon", "(Ljava/util/regex/Pattern;I)Ljava/lang/String;"},
            {"skip", "(Ljava/lang/String;)Ljava/util/Scanner;"},
            {"skip", "(Ljava/util/regex/Pattern;)Ljava/util/Scanner;"},
            {"hasNextBoolean", "()Z"},
            {"nextBoolean", "()Z"},
            {"hasNextByte", "()Z"},
            {"hasNextByte", "(I)Z"},
            {"nextByte", "()B"},
            {"nextByte", "(I)B"},
            {"hasNextShort", "()Z"},
            {"hasNextShort", "(I)Z"},
            {"nextShort", "()S"},
            {"nextShort", "(I)S"},
            {"hasNextInt", "()Z"},
            {"hasNextInt", "(I)Z"},
            {"nextInt", "()I"},
            {"nextInt", "(I)I"},
            {"hasNextLong", "()Z"},
            {"hasNextLong", "(I)Z"},
            {"nextLong", "()J"},
            {"nextLong", "(I)J"},
            {"hasNextFloat", "()Z"},
            {"nextFloat", "()F"},
            {"hasNextDouble", "()Z"},
            {"nextDouble", "()D"},
            {"hasNextBigInteger", "()Z"},
            {"hasNextBigInteger", "(I)Z"},
            {"nextBigInteger", "()Ljava/math/BigInteger;"},
            {"nextBigInteger", "(I)Ljava/math/BigInteger;"},
            {"hasNextBigDecimal", "()Z"},
            {"nextBigDecimal", "()Ljava/math/BigDecimal;"}};
        for (String[] m : scans) {
            TABLE.put("java/util/Scanner." + m[0] + m[1], new Target("sockets", scanner, m[0], true));
        }
        TABLE.put("java/io/ObjectInputStream.<init>(" + is + ")V", new Target("sockets", objects,
                "newObjectInputStream", true));
        TABLE.put("java/io/ObjectOutputStream.<init>(Ljava/io/OutputStream;)V", new Target("sockets", objects,
                "newObjectOutputStream", true));
        String ois = "java/io/ObjectInputStream";
        String oi = "java/io/ObjectInput";
        String obj = "Ljava/lang/Object;";
        String[][] objectIn = {{"readObject", "()" + obj}, {"read", "()I"}, {"read", "([B)I"}, {"read", "([BII)I"},
            {"skip", "(J)J"}};
        for (String owner : new String[] {ois, oi}) {
            for (String[] m : objectIn) {
                TABLE.put(owner + '.' + m[0] + m[1], new Target("sockets", objects, m[0], true, oi));
            }
        }
        TABLE.put(ois + ".readUnshared()" + obj, new Target("sockets", objects, "readUnshared", true));
        for (String[] m : new String[][] {{"readAllBytes", "()[B"}, {"readNBytes", "(I)[B"},
                {"readNBytes", "([BII)I"}}) {
            TABLE.put(ois + '.' + m[0] + m[1], new Target("sockets", objects, m[0], true, "java/io/InputStream"));
        }
        String str = "Ljava/lang/String;";
        String[][] dataIn = {{"readFully", "([B)V"}, {"readFully", "([BII)V"}, {"skipBytes", "(I)I"},
            {"readBoolean", "()Z"}, {"readByte", "()B"}, {"readUnsignedByte", "()I"}, {"readShort", "()S"},
            {"readUnsignedShort", "()I"}, {"readChar", "()C"}, {"readInt", "()I"}, {"readLong", "()J"},
            {"readFloat", "()F"}, {"readDouble", "()D"}, {"readUTF", "()" + str}, {"readLine", "()" + str}};
        // DataInput calls on an ObjectInputStream here; any other DataInput's go on to SocketStreams' twins
        for (String owner : new String[] {"java/io/DataInput", oi, ois}) {
            for (String[] m : dataIn) {
                TABLE.put(owner + '.' + m[0] + m[1], new Target("sockets", objects, m[0], true, "java/io/DataInput"));
            }
        }
        String oos = "java/io/ObjectOutputStream";
        String oo = "java/io/ObjectOutput";
        String[][] objectOut = {{"writeObject", "(" + obj + ")V"}, {"write", "(I)V"}, {"write", "([B)V"},
            {"write", "([BII)V"}, {"flush", "()V"}, {"close", "()V"}};
        for (String owner : new String[] {oos, oo}) {
            for (String[] m : objectOut) {
                TABLE.put(owner + '.' + m[0] + m[1], new Target("sockets", objects, m[0], true, oo));
            }
        }
        TABLE.put(oos + ".writeUnshared(" + obj + ")V", new Target("sockets", objects, "writeUnshared", true));
        TABLE.put(oos + ".reset()V", new Target("sockets", objects, "reset", true));
        // primitives: coro's DataOutputStream twins, which run any CoopOutput's (an ObjectOutputStream's) calls
        String[][] dataOut = {{"writeBoolean", "(Z)V"}, {"writeByte", "(I)V"}, {"writeShort", "(I)V"},
            {"writeChar", "(I)V"}, {"writeInt", "(I)V"}, {"writeLong", "(J)V"}, {"writeFloat", "(F)V"},
            {"writeDouble", "(D)V"}, {"writeBytes", "(" + str + ")V"}, {"writeChars", "(" + str + ")V"},
            {"writeUTF", "(" + str + ")V"}};
        for (String owner : new String[] {oos, oo}) {
            for (String[] m : dataOut) {
                TABLE.put(owner + '.' + m[0] + m[1], new Target("sockets", STREAMS, m[0], true, "java/io/DataOutput"));
            }
        }
    }

    /**
     * The JDK's other filter streams around a coro socket's streams (runtime CoopFilters): the input filters' calls
     * run on worker threads in coroutines (GZIPInputStream's constructor too, it reads the header), the output
     * filters write through coro's sink; their calls at the filter types go to the twins of InputStream's and
     * OutputStream's calls, which dispatch on the object.
     */
    private static void filterStreams() {
        String filters = "dev/coro/internal/patch/CoopFilters";
        String is = "Ljava/io/InputStream;";
        String os = "Ljava/io/OutputStream;";
        String inf = "Ljava/util/zip/Inflater;";
        String def = "Ljava/util/zip/Deflater;";
        String[][] ctors = {
            {"java/util/zip/GZIPInputStream", "newGZIPInputStream", "true", "(" + is + ")V", "(" + is + "I)V"},
            {"java/util/zip/InflaterInputStream", "newInflaterInputStream", "false", "(" + is + ")V",
                "(" + is + inf + ")V", "(" + is + inf + "I)V"},
            {"java/util/zip/CheckedInputStream", "newCheckedInputStream", "false",
                "(" + is + "Ljava/util/zip/Checksum;)V"},
            {"java/security/DigestInputStream", "newDigestInputStream", "false",
                "(" + is + "Ljava/security/MessageDigest;)V"},
            {"javax/crypto/CipherInputStream", "newCipherInputStream", "false", "(" + is + "Ljavax/crypto/Cipher;)V"},
            {"java/util/zip/GZIPOutputStream", "newGZIPOutputStream", "true", "(" + os + ")V", "(" + os + "I)V",
                "(" + os + "Z)V", "(" + os + "IZ)V"},
            {"java/util/zip/DeflaterOutputStream", "newDeflaterOutputStream", "false", "(" + os + ")V",
                "(" + os + "Z)V", "(" + os + def + ")V", "(" + os + def + "Z)V", "(" + os + def + "I)V",
                "(" + os + def + "IZ)V"},
            {"java/util/zip/CheckedOutputStream", "newCheckedOutputStream", "false",
                "(" + os + "Ljava/util/zip/Checksum;)V"},
            {"java/security/DigestOutputStream", "newDigestOutputStream", "false",
                "(" + os + "Ljava/security/MessageDigest;)V"},
            {"javax/crypto/CipherOutputStream", "newCipherOutputStream", "false",
                "(" + os + "Ljavax/crypto/Cipher;)V"}};
        for (String[] c : ctors) {
            for (int i = 3; i < c.length; i++) {
                TABLE.put(c[0] + ".<init>" + c[i], new Target("sockets", filters, c[1], Boolean.parseBoolean(c[2])));
            }
        }
        String in = "java/io/InputStream";
        String out = "java/io/OutputStream";
        for (String owner : new String[] {"java/util/zip/GZIPInputStream", "java/util/zip/InflaterInputStream",
                "java/util/zip/CheckedInputStream", "java/security/DigestInputStream", "javax/crypto/CipherInputStream"}) {
            TABLE.put(owner + ".read()I", new Target("sockets", NET, "read", true, in));
            TABLE.put(owner + ".read([B)I", new Target("sockets", NET, "read", true, in));
            TABLE.put(owner + ".read([BII)I", new Target("sockets", NET, "read", true, in));
            TABLE.put(owner + ".readAllBytes()[B", new Target("sockets", NET, "readAllBytes", true, in));
            TABLE.put(owner + ".readNBytes([BII)I", new Target("sockets", STREAMS, "readNBytes", true, in));
            TABLE.put(owner + ".readNBytes(I)[B", new Target("sockets", STREAMS, "readNBytes", true, in));
            TABLE.put(owner + ".skip(J)J", new Target("sockets", STREAMS, "skip", true, in));
            TABLE.put(owner + ".transferTo(Ljava/io/OutputStream;)J", new Target("sockets", STREAMS, "transferTo",
                    true, in));
        }
        for (String owner : new String[] {"java/util/zip/GZIPOutputStream", "java/util/zip/DeflaterOutputStream",
                "java/util/zip/CheckedOutputStream", "java/security/DigestOutputStream",
                "javax/crypto/CipherOutputStream"}) {
            TABLE.put(owner + ".write(I)V", new Target("sockets", NET, "write", true, out));
            TABLE.put(owner + ".write([B)V", new Target("sockets", NET, "write", true, out));
            TABLE.put(owner + ".write([BII)V", new Target("sockets", NET, "write", true, out));
            TABLE.put(owner + ".flush()V", new Target("sockets", STREAMS, "flush", true, out));
            TABLE.put(owner + ".close()V", new Target("sockets", STREAMS, "close", true, out));
        }
        for (String owner : new String[] {"java/util/zip/GZIPOutputStream", "java/util/zip/DeflaterOutputStream"}) {
            TABLE.put(owner + ".finish()V", new Target("sockets", filters, "finish", true,
                    "java/util/zip/DeflaterOutputStream"));
        }
    }

    private static void channel(String owner, String name, String desc, boolean suspends, String receiver) {
        TABLE.put(owner + '.' + name + desc, new Target("sockets", CHANNELS, name, suspends, receiver));
    }

    private static void sync(String owner, String receiver, String name, String desc, boolean suspends) {
        TABLE.put(owner + '.' + name + desc, new Target("sync", SYNC, name, suspends, receiver));
    }

    private static void http(String owner, String name, String desc) {
        TABLE.put(owner + '.' + name + desc, new Target("http", HTTP, name, true));
    }

    private static void add(String group, String owner, String name, String desc, String twin) {
        TABLE.put(owner + '.' + name + desc, new Target(group, PATCHED, twin, true));
    }

    private static void net(String owner, String name, String desc) {
        TABLE.put(owner + '.' + name + desc, new Target("sockets", NET, name, true));
    }

    private static void bind(String owner, String desc) {
        TABLE.put(owner + ".bind" + desc, new Target("sockets", NET, "bind", false));
    }

    private static void construct(String owner, String desc, String factory, boolean suspends) {
        TABLE.put(owner + ".<init>" + desc, new Target("sockets", NET, factory, suspends));
    }

    private final Set<String> enabled;

    /**
     * Whether {@code call} goes through a JDK interface whose implementations are usually a library's (JDBC's
     * {@code java.sql} and {@code javax.sql}): then it is dispatched at run time to the implementation's twin if
     * {@code scope=} rewrote it (group {@code jdbc}). Static types from other JDK packages stay plain calls.
     */
    boolean dispatches(MethodInsnNode call) {
        return enabled.contains("jdbc") && call.getOpcode() == Opcodes.INVOKEINTERFACE
                && (call.owner.startsWith("java/sql/") || call.owner.startsWith("javax/sql/"));
    }

    /** The invokedynamic that replaces a dispatched call once the state machine made it a twin call. */
    static org.objectweb.asm.tree.InvokeDynamicInsnNode dynamicTwinCall(MethodInsnNode call, String originalDesc) {
        org.objectweb.asm.Handle bootstrap = new org.objectweb.asm.Handle(Opcodes.H_INVOKESTATIC,
                "dev/coro/internal/DynamicTwins", "bootstrap", "(Ljava/lang/invoke/MethodHandles$Lookup;"
                + "Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;)"
                + "Ljava/lang/invoke/CallSite;", false);
        org.objectweb.asm.Handle original = new org.objectweb.asm.Handle(Opcodes.H_INVOKEINTERFACE, call.owner,
                call.name, originalDesc, true);
        String desc = "(" + Type.getObjectType(call.owner).getDescriptor() + call.desc.substring(1);
        return new org.objectweb.asm.tree.InvokeDynamicInsnNode(call.name, desc, bootstrap, original);
    }

    /** @param enabled the groups to apply */
    public Patches(Set<String> enabled) {
        this.enabled = enabled;
    }

    public static Patches none() {
        return new Patches(Set.of());
    }

    /**
     * Redirects {@code call} to its cooperative twin if it has one (turning an instance call into a static call
     * with the receiver first); returns whether the new call may suspend, which the caller then treats as a suspension
     * point. A twin that never waits (an unlock, a signal) stays a plain call.
     * Constructors are left to {@link #redirectConstructors}.
     */
    boolean redirect(MethodInsnNode call) {
        return redirect(call, null);
    }

    /**
     * As {@link #redirect(MethodInsnNode)}; with a hierarchy, a call whose static type is a library's subclass of a
     * patched JDK class (a pool's own ReentrantLock) is patched too, when the JDK class is where the call resolves.
     */
    boolean redirect(MethodInsnNode call, dev.coro.agent.hierarchy.ClassHierarchy hierarchy) {
        Found f = find(call, hierarchy);
        if (f == null) {
            return false;
        }
        String desc = call.desc;
        if (call.getOpcode() != Opcodes.INVOKESTATIC) {
            String receiver = f.target.receiver != null ? f.target.receiver : f.owner;
            desc = "(" + Type.getObjectType(receiver).getDescriptor() + desc.substring(1);
        }
        call.setOpcode(Opcodes.INVOKESTATIC);
        call.owner = f.target.owner;
        call.name = f.target.name;
        call.desc = desc;
        call.itf = false;
        return f.target.suspends;
    }

    /**
     * Redirects, in a method of a rewritten class that is not a coroutine, the calls that must be redirected in all
     * of a task's code or in none (a ThreadLocal's value, set in a coroutine and read in a plain helper; a thread
     * started by a plain helper); returns whether it redirected any. Such a redirect never waits.
     */
    boolean redirectPlain(org.objectweb.asm.tree.MethodNode m, dev.coro.agent.hierarchy.ClassHierarchy hierarchy) {
        boolean any = false;
        for (org.objectweb.asm.tree.AbstractInsnNode insn : m.instructions) {
            if (insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode) {
                any |= redirectMethodReference((org.objectweb.asm.tree.InvokeDynamicInsnNode) insn, hierarchy);
            } else if (insn instanceof MethodInsnNode) {
                Found f = find((MethodInsnNode) insn, hierarchy);
                if (f != null && EVERYWHERE.containsAll(java.util.Arrays.asList(f.target.groups))) {
                    redirect((MethodInsnNode) insn, hierarchy);
                    any = true;
                }
            }
        }
        return any;
    }

    /**
     * {@code local::get}, {@code local::set}: a method reference's target is called from a class the agent never
     * sees (the lambda's hidden class), so it must be redirected where the reference is made, or a task's value set
     * through one is the thread's. Only the plain metafactory: a serializable reference's target is checked by name
     * when it is deserialised.
     */
    private boolean redirectMethodReference(org.objectweb.asm.tree.InvokeDynamicInsnNode indy,
                                            dev.coro.agent.hierarchy.ClassHierarchy hierarchy) {
        if (!indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")
                || !indy.bsm.getName().equals("metafactory") || indy.bsmArgs.length < 3
                || !(indy.bsmArgs[1] instanceof org.objectweb.asm.Handle)) {
            return false;
        }
        org.objectweb.asm.Handle h = (org.objectweb.asm.Handle) indy.bsmArgs[1];
        if (h.getTag() != Opcodes.H_INVOKEVIRTUAL) {
            return false;
        }
        MethodInsnNode call = new MethodInsnNode(Opcodes.INVOKEVIRTUAL, h.getOwner(), h.getName(), h.getDesc(), false);
        Found f = find(call, hierarchy);
        if (f == null || !EVERYWHERE.containsAll(java.util.Arrays.asList(f.target.groups))) {
            return false;
        }
        redirect(call, hierarchy);
        indy.bsmArgs[1] = new org.objectweb.asm.Handle(Opcodes.H_INVOKESTATIC, call.owner, call.name, call.desc, false);
        return true;
    }

    /**
     * The groups whose redirects {@link #redirectPlain} applies: in classes that may have no coroutine at all, so
     * the agent leaves them out for a class loader that cannot see coro's runtime.
     */
    public static final Set<String> EVERYWHERE = Set.of("locals", "threads");

    private static final class Found {
        final Target target;
        /** The JDK class the call resolves to. */
        final String owner;

        Found(Target target, String owner) {
            this.target = target;
            this.owner = owner;
        }
    }

    private Found find(MethodInsnNode call, dev.coro.agent.hierarchy.ClassHierarchy hierarchy) {
        if (call.name.equals("<init>") || call.getOpcode() == Opcodes.INVOKESPECIAL) {
            return null; // super.flush() in a library's FilterOutputStream: a twin's virtual call would recurse
        }
        String owner = call.owner;
        Target t = TABLE.get(owner + '.' + call.name + call.desc);
        if (t == null && hierarchy != null && call.getOpcode() == Opcodes.INVOKEVIRTUAL
                && !owner.startsWith("java/")) {
            String declaring = hierarchy.declaringClass(owner, call.name, call.desc);
            if (declaring != null && declaring.startsWith("java/")) {
                t = TABLE.get(declaring + '.' + call.name + call.desc);
                owner = declaring;
            }
        }
        return t == null || !t.in(enabled) ? null : new Found(t, owner);
    }

    /**
     * Replaces {@code new T(args)} of a patched class by a static factory call {@code factory(args)} returning the
     * object (the NEW/DUP pair goes, the arguments stay where they are). Returns the factory calls that may
     * suspend; the others are plain calls.
     */
    java.util.List<MethodInsnNode> redirectConstructors(org.objectweb.asm.tree.MethodNode m) {
        java.util.List<MethodInsnNode> suspending = new java.util.ArrayList<>();
        java.util.Deque<org.objectweb.asm.tree.TypeInsnNode> open = new java.util.ArrayDeque<>();
        java.util.List<org.objectweb.asm.tree.AbstractInsnNode[]> moves = new java.util.ArrayList<>();
        for (org.objectweb.asm.tree.AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.NEW) {
                open.push((org.objectweb.asm.tree.TypeInsnNode) i);
            } else if (i.getOpcode() == Opcodes.INVOKESPECIAL && ((MethodInsnNode) i).name.equals("<init>")
                    && !open.isEmpty() && open.peek().desc.equals(((MethodInsnNode) i).owner)) {
                org.objectweb.asm.tree.TypeInsnNode n = open.pop();
                MethodInsnNode init = (MethodInsnNode) i;
                Target t = TABLE.get(init.owner + ".<init>" + init.desc);
                if (t != null && t.in(enabled) && n.getNext() != null
                        && n.getNext().getOpcode() == Opcodes.DUP) {
                    moves.add(new org.objectweb.asm.tree.AbstractInsnNode[] {n, init});
                }
            }
        }
        for (org.objectweb.asm.tree.AbstractInsnNode[] mv : moves) {
            org.objectweb.asm.tree.TypeInsnNode n = (org.objectweb.asm.tree.TypeInsnNode) mv[0];
            MethodInsnNode init = (MethodInsnNode) mv[1];
            Target t = TABLE.get(init.owner + ".<init>" + init.desc);
            m.instructions.remove(n.getNext());
            m.instructions.remove(n);
            init.setOpcode(Opcodes.INVOKESTATIC);
            init.desc = init.desc.substring(0, init.desc.indexOf(')') + 1) + Type.getObjectType(init.owner)
                    .getDescriptor();
            init.owner = t.owner;
            init.name = t.name;
            init.itf = false;
            if (t.suspends) {
                suspending.add(init);
            }
        }
        return suspending;
    }
}
