package dev.coro.agent.instrument;

import dev.coro.agent.hierarchy.ClassHierarchy;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

import java.util.Set;

/** Decides which methods become coroutines and which calls are suspension points. */
public interface Policy {

    /** True if {@code m} of {@code c} must be rewritten; {@code lambdaBodies} are methods a coroutine lambda targets. */
    boolean isCoroutine(ClassNode c, MethodNode m, Set<String> lambdaBodies);

    /** True if this call may suspend the caller. */
    boolean isSuspending(int opcode, String owner, String name, String desc);

    /** The class hierarchy answering type questions for frames. */
    ClassHierarchy hierarchy();

    /** The normal policy, for tests: every class may be rewritten. */
    static Policy coroutines(ClassHierarchy hierarchy) {
        return coroutines(hierarchy, name -> true);
    }

    /**
     * The normal policy: {@code @Coroutine} methods, their overrides and coroutine lambdas. A call is a suspension
     * point only if every class it may resolve to has twins: {@code rewritten} (internal names) says which.
     */
    static Policy coroutines(ClassHierarchy hierarchy, java.util.function.Predicate<String> rewritten) {
        return coroutines(hierarchy, rewritten, name -> false);
    }

    /**
     * ... and every method of the classes in {@code scope} (internal names) is a coroutine, so that a blocking call
     * deep inside an unmodified library suspends the coroutine that called into it.
     */
    static Policy coroutines(ClassHierarchy hierarchy, java.util.function.Predicate<String> rewritten,
                             java.util.function.Predicate<String> scope) {
        return new Policy() {
            @Override
            public boolean isCoroutine(ClassNode c, MethodNode m, Set<String> lambdaBodies) {
                if (lambdaBodies.contains(m.name + m.desc) || hierarchy.isCoroutine(c.name, m.name, m.desc)
                        || hierarchy.isAnnotated(c.name, m.name, m.desc)) {
                    return true;
                }
                if (m.name.startsWith("<") || (m.access & org.objectweb.asm.Opcodes.ACC_NATIVE) != 0) {
                    return false;
                }
                // a user's serializer or callback that a library in scope calls must be able to suspend too
                return scope.test(c.name) || (m.access & org.objectweb.asm.Opcodes.ACC_STATIC) == 0
                        && overridesScoped(c.name, m.name, m.desc);
            }

            private boolean overridesScoped(String owner, String name, String desc) {
                return hierarchy.overridesIn(owner, name, desc, s -> scope.test(s) && rewritten.test(s));
            }

            @Override
            public boolean isSuspending(int opcode, String owner, String name, String desc) {
                if (name.startsWith("<") || owner.startsWith("[") || !rewritten.test(owner)) {
                    return false;
                }
                String declaring = hierarchy.declaringClass(owner, name, desc);
                if (declaring != null && !hasTwin(declaring, name, desc)) {
                    return false; // called as plain code: an implementation in scope then runs pinned
                }
                if (declaring != null && scope.test(declaring) && rewritten.test(declaring)
                        && !isNative(declaring, name, desc)) {
                    return true;
                }
                if (declaring != null && rewritten.test(declaring) && overridesScoped(declaring, name, desc)
                        && !isNative(declaring, name, desc)) {
                    return true;
                }
                if (!hierarchy.isCoroutine(owner, name, desc)) {
                    return false;
                }
                return declaring == null || rewritten.test(declaring);
            }

            private boolean isNative(String owner, String name, String desc) {
                dev.coro.agent.hierarchy.ClassInfo info = hierarchy.get(owner);
                return info != null && info.isNative(name, desc);
            }

            private boolean hasTwin(String owner, String name, String desc) {
                dev.coro.agent.hierarchy.ClassInfo info = hierarchy.get(owner);
                return info == null || info.hasTwin(name, desc);
            }

            @Override
            public ClassHierarchy hierarchy() {
                return hierarchy;
            }
        };
    }

    /**
     * Every method with code is a coroutine and every call a suspension point: the harshest input for the
     * instrumenter, used to verify it against large real code bases.
     */
    static Policy everything(ClassHierarchy hierarchy) {
        return new Policy() {
            @Override
            public boolean isCoroutine(ClassNode c, MethodNode m, Set<String> lambdaBodies) {
                return !m.name.startsWith("<");
            }

            @Override
            public boolean isSuspending(int opcode, String owner, String name, String desc) {
                // signature-polymorphic methods have no twins to call
                return !name.startsWith("<") && !owner.startsWith("[") && !owner.equals("java/lang/invoke/MethodHandle")
                        && !owner.equals("java/lang/invoke/VarHandle");
            }

            @Override
            public ClassHierarchy hierarchy() {
                return hierarchy;
            }
        };
    }
}
