package dev.coro.agent.instrument;

import dev.coro.agent.hierarchy.ClassHierarchy;
import org.objectweb.asm.ClassWriter;

/** A class writer that computes frames from class files instead of loading classes. */
final class HierarchyClassWriter extends ClassWriter {
    private final ClassHierarchy hierarchy;

    HierarchyClassWriter(ClassHierarchy hierarchy) {
        super(COMPUTE_FRAMES);
        this.hierarchy = hierarchy;
    }

    @Override
    protected String getCommonSuperClass(String a, String b) {
        return hierarchy.commonSuperClass(a, b);
    }

    @Override
    protected ClassLoader getClassLoader() {
        throw new IllegalStateException("the instrumenter must not load classes");
    }
}
