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

    /** The groups, for the agent's {@code patch=} option. */
    public static final Set<String> GROUPS = Set.of("sleep", "futures", "sockets", "http");
    static final String HTTP = "dev/coro/internal/patch/PatchedHttp";

    private static final class Target {
        final String group;
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
            this.group = group;
            this.owner = owner;
            this.name = name;
            this.suspends = suspends;
            this.receiver = receiver;
        }
    }

    private static final Map<String, Target> TABLE = new HashMap<>();

    static {
        add("sleep", "java/lang/Thread", "sleep", "(J)V", "sleep");
        add("sleep", "java/lang/Thread", "sleep", "(JI)V", "sleep");
        add("sleep", "java/lang/Thread", "yield", "()V", "yield");
        add("futures", "java/util/concurrent/CompletableFuture", "join", "()Ljava/lang/Object;", "join");
        add("futures", "java/util/concurrent/CompletableFuture", "get", "()Ljava/lang/Object;", "get");
        add("futures", "java/util/concurrent/CompletableFuture", "get",
                "(JLjava/util/concurrent/TimeUnit;)Ljava/lang/Object;", "get");
        add("futures", "java/util/concurrent/Future", "get", "()Ljava/lang/Object;", "futureGet");

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
        // binds never wait; under the launcher they set SO_REUSEPORT, and shutdown closes what they bound
        String ssc = "java/nio/channels/ServerSocketChannel";
        bind(ssc, "(Ljava/net/SocketAddress;)Ljava/nio/channels/ServerSocketChannel;");
        bind(ssc, "(Ljava/net/SocketAddress;I)Ljava/nio/channels/ServerSocketChannel;");
        bind("java/nio/channels/NetworkChannel", "(Ljava/net/SocketAddress;)Ljava/nio/channels/NetworkChannel;");
        bind(server, "(Ljava/net/SocketAddress;)V");
        bind(server, "(Ljava/net/SocketAddress;I)V");
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

    /** @param enabled the groups to apply */
    public Patches(Set<String> enabled) {
        this.enabled = enabled;
    }

    public static Patches none() {
        return new Patches(Set.of());
    }

    /**
     * Redirects {@code call} to its cooperative twin if it has one (turning an instance call into a static call
     * with the receiver first); returns whether the call is now a suspension point, which the caller then treats
     * as one. A twin that never waits (a bind) is a plain static call: the call is redirected, and false returned.
     * Constructors are left to {@link #redirectConstructors}.
     */
    boolean redirect(MethodInsnNode call) {
        if (call.name.equals("<init>")) {
            return false;
        }
        Target t = TABLE.get(call.owner + '.' + call.name + call.desc);
        if (t == null || !enabled.contains(t.group)) {
            return false;
        }
        String desc = call.desc;
        if (call.getOpcode() != Opcodes.INVOKESTATIC) {
            String receiver = t.receiver != null ? t.receiver : call.owner;
            desc = "(" + Type.getObjectType(receiver).getDescriptor() + desc.substring(1);
        }
        call.setOpcode(Opcodes.INVOKESTATIC);
        call.owner = t.owner;
        call.name = t.name;
        call.desc = desc;
        call.itf = false;
        return t.suspends;
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
                if (t != null && enabled.contains(t.group) && n.getNext() != null
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
