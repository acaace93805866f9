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

    /** The groups, for the agent's {@code patch=} option. */
    public static final Set<String> GROUPS = Set.of("sleep", "futures");

    private static final class Target {
        final String group;
        final String name;

        Target(String group, String name) {
            this.group = group;
            this.name = name;
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
    }

    private static void add(String group, String owner, String name, String desc, String twin) {
        TABLE.put(owner + '.' + name + desc, new Target(group, twin));
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
     * with the receiver first); returns whether it did. The caller then treats it as a suspension point.
     */
    boolean redirect(MethodInsnNode call) {
        Target t = TABLE.get(call.owner + '.' + call.name + call.desc);
        if (t == null || !enabled.contains(t.group)) {
            return false;
        }
        String desc = call.desc;
        if (call.getOpcode() != Opcodes.INVOKESTATIC) {
            desc = "(" + Type.getObjectType(call.owner).getDescriptor() + desc.substring(1);
        }
        call.setOpcode(Opcodes.INVOKESTATIC);
        call.owner = PATCHED;
        call.name = t.name;
        call.desc = desc;
        call.itf = false;
        return true;
    }
}
