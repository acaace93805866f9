package dev.coro.agent.hierarchy;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the agent needs to know of a class without loading it: its supertypes and its methods. */
public final class ClassInfo {
    /** Stands for a class whose class file could not be found. */
    static final ClassInfo UNKNOWN = new ClassInfo("?", 0, 0, null, List.of(), Map.of(), Set.of(), Map.of());

    final String name;
    final int access;
    /** The class file's major version. */
    final int version;
    final String superName;
    final List<String> interfaces;
    /** name+descriptor to access flags, for every declared method. */
    final Map<String, Integer> methods;
    /** name+descriptor of methods annotated @Coroutine. */
    final Set<String> annotated;
    /** For each bridge method (name+descriptor), the method of this class it forwards to. */
    final Map<String, String> bridges;

    ClassInfo(String name, int access, int version, String superName, List<String> interfaces,
              Map<String, Integer> methods, Set<String> annotated, Map<String, String> bridges) {
        this.name = name;
        this.access = access;
        this.version = version;
        this.superName = superName;
        this.interfaces = Collections.unmodifiableList(interfaces);
        this.methods = methods;
        this.annotated = annotated;
        this.bridges = bridges;
    }

    public String name() {
        return name;
    }

    public String superName() {
        return superName;
    }

    public List<String> interfaces() {
        return interfaces;
    }

    public boolean isInterface() {
        return (access & org.objectweb.asm.Opcodes.ACC_INTERFACE) != 0;
    }

    /**
     * False if a call to this declared method cannot go to a twin: an annotation's members are constants, not code,
     * and an interface older than Java 8 cannot hold the default method that leads to its implementations' twins.
     */
    public boolean hasTwin(String name, String desc) {
        if ((access & org.objectweb.asm.Opcodes.ACC_ANNOTATION) != 0) {
            return false;
        }
        Integer a = methods.get(name + desc);
        return !(isInterface() && version < org.objectweb.asm.Opcodes.V1_8 && a != null
                && (a & org.objectweb.asm.Opcodes.ACC_ABSTRACT) != 0);
    }

    /** True if it declares this method native (or does not declare it with that exact descriptor). */
    public boolean isNative(String name, String desc) {
        Integer a = methods.get(name + desc);
        return a != null && (a & org.objectweb.asm.Opcodes.ACC_NATIVE) != 0;
    }

    public boolean declares(String name, String desc) {
        return methods.containsKey(name + desc);
    }
}
