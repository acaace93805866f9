package dev.coro.agent.hierarchy;

import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;


import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The class hierarchy of one class loader, read from class files (never by loading classes, so instrumenting
 * cannot cause a ClassCircularityError or a LinkageError), and which methods of it are coroutines.
 *
 * <p>A method is a coroutine if it is annotated {@code @Coroutine}, if it is the target of a bridge method that
 * is one (generic and covariant overrides), or if it overrides or implements one: same name and parameter types
 * as a coroutine method of a supertype (the return type may be covariant).
 */
public final class ClassHierarchy {
    public static final String COROUTINE_DESC = "Ldev/coro/Coroutine;";

    private final Function<String, byte[]> locator;
    private final Map<String, ClassInfo> infos = new ConcurrentHashMap<>();
    private final Map<String, Boolean> coroutineCache = new ConcurrentHashMap<>();
    private final Map<String, String> declaringCache = new ConcurrentHashMap<>();

    /** @param locator class file bytes for an internal name, or null if there is none */
    public ClassHierarchy(Function<String, byte[]> locator) {
        this.locator = locator;
    }

    /** A hierarchy that reads class files as resources of {@code loader} (the boot path if null). */
    public static ClassHierarchy of(ClassLoader loader) {
        return new ClassHierarchy(name -> readResource(loader, name + ".class"));
    }

    static byte[] readResource(ClassLoader loader, String resource) {
        try (InputStream in = loader != null ? loader.getResourceAsStream(resource)
                : ClassLoader.getSystemResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Records a class file the agent has in hand (the one being transformed, or one defined at run time). */
    public ClassInfo remember(byte[] classFile) {
        ClassInfo info = parse(classFile);
        ClassInfo old = infos.put(info.name, info);
        if (old == ClassInfo.UNKNOWN) {
            coroutineCache.clear(); // answers given while it was missing may change
            declaringCache.clear();
        }
        return info;
    }

    /** The class, or null if its class file cannot be found. */
    public ClassInfo get(String internalName) {
        ClassInfo info = infos.get(internalName);
        if (info == null) {
            byte[] bytes = internalName.startsWith("[") ? null : locator.apply(internalName);
            info = bytes == null ? ClassInfo.UNKNOWN : parse(bytes);
            ClassInfo raced = infos.putIfAbsent(internalName, info);
            if (raced != null) {
                info = raced;
            }
        }
        return info == ClassInfo.UNKNOWN ? null : info;
    }

    public boolean isInterface(String internalName) {
        ClassInfo info = get(internalName);
        return info != null && info.isInterface();
    }

    public String superName(String internalName) {
        ClassInfo info = get(internalName);
        return info == null ? "java/lang/Object" : info.superName;
    }

    /** True if a value of class {@code from} can be assigned to {@code to}. */
    public boolean isAssignable(String to, String from) {
        if (to.equals(from) || to.equals("java/lang/Object")) {
            return true;
        }
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>();
        todo.add(from);
        while (!todo.isEmpty()) {
            String c = todo.remove(todo.size() - 1);
            if (c.equals(to)) {
                return true;
            }
            if (!seen.add(c)) {
                continue;
            }
            ClassInfo info = get(c);
            if (info == null) {
                continue;
            }
            if (info.superName != null) {
                todo.add(info.superName);
            }
            todo.addAll(info.interfaces);
        }
        return false;
    }

    /** The nearest common superclass, as the class writer needs for stack map frames. */
    public String commonSuperClass(String a, String b) {
        if (isAssignable(a, b)) {
            return a;
        }
        if (isAssignable(b, a)) {
            return b;
        }
        if (isInterface(a) || isInterface(b)) {
            return "java/lang/Object";
        }
        String c = a;
        do {
            c = superName(c);
        } while (c != null && !isAssignable(c, b));
        return c == null ? "java/lang/Object" : c;
    }

    /**
     * True if calling {@code owner.name desc} calls a coroutine: the method found through the static type
     * {@code owner} or its supertypes is one.
     */
    public boolean isCoroutine(String owner, String name, String desc) {
        if (name.equals("<init>") || name.equals("<clinit>") || owner.startsWith("[")) {
            return false;
        }
        String key = owner + '.' + name + desc;
        Boolean cached = coroutineCache.get(key);
        if (cached == null) {
            cached = computeIsCoroutine(owner, name, desc);
            coroutineCache.put(key, cached);
        }
        return cached;
    }

    /**
     * The class where a call to {@code owner.name desc} resolves, as the JVM looks it up: {@code owner} and its
     * superclasses first, then its superinterfaces; null if none declares it. Its twin must exist for the call to
     * become a suspension point (overrides below it are rewritten with it).
     */
    public String declaringClass(String owner, String name, String desc) {
        String key = owner + '.' + name + desc;
        String cached = declaringCache.get(key);
        if (cached == null) {
            String found = findDeclaringClass(owner, name, desc);
            cached = found == null ? "" : found;
            declaringCache.put(key, cached);
        }
        return cached.isEmpty() ? null : cached;
    }

    private String findDeclaringClass(String owner, String name, String desc) {
        String params = desc.substring(0, desc.indexOf(')') + 1);
        List<String> interfaces = new ArrayList<>();
        for (String c = owner; c != null; ) {
            ClassInfo info = get(c);
            if (info == null) {
                return null;
            }
            if (declaresLike(info, name, params)) {
                return c;
            }
            interfaces.addAll(info.interfaces);
            c = info.superName;
        }
        Set<String> seen = new HashSet<>();
        while (!interfaces.isEmpty()) {
            String c = interfaces.remove(0);
            if (!seen.add(c)) {
                continue;
            }
            ClassInfo info = get(c);
            if (info == null) {
                continue;
            }
            if (declaresLike(info, name, params)) {
                return c;
            }
            interfaces.addAll(info.interfaces);
        }
        return null;
    }

    private static boolean declaresLike(ClassInfo info, String name, String params) {
        String prefix = name + params;
        for (String m : info.methods.keySet()) {
            if (m.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if {@code owner.name desc} overrides a method that a proper supertype accepted by {@code where} declares
     * (same name and parameters, neither private nor static) and that has a twin there, itself or through a bridge.
     */
    public boolean overridesIn(String owner, String name, String desc, java.util.function.Predicate<String> where) {
        ClassInfo info = get(owner);
        if (info == null || name.startsWith("<")) {
            return false;
        }
        for (Map.Entry<String, String> bridge : info.bridges.entrySet()) {
            // javac's bridge overrides the generic method and calls this one, which must then have a twin too
            String b = bridge.getKey();
            if (bridge.getValue().equals(name + desc) && !b.equals(name + desc)
                    && overridesIn(owner, b.substring(0, b.indexOf('(')), b.substring(b.indexOf('(')), where)) {
                return true;
            }
        }
        String prefix = name + desc.substring(0, desc.indexOf(')') + 1);
        for (ClassInfo s : properSupertypes(info)) {
            if (where.test(s.name)) {
                for (Map.Entry<String, Integer> m : s.methods.entrySet()) {
                    if (m.getKey().startsWith(prefix) && (m.getValue() & (Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC)) == 0
                            && s.hasTwin(name, m.getKey().substring(name.length()))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Every class and interface above {@code info} whose class file is found, each once. */
    private List<ClassInfo> properSupertypes(ClassInfo info) {
        List<ClassInfo> found = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>();
        if (info.superName != null) {
            todo.add(info.superName);
        }
        todo.addAll(info.interfaces);
        while (!todo.isEmpty()) {
            String c = todo.remove(todo.size() - 1);
            ClassInfo s = seen.add(c) ? get(c) : null;
            if (s == null) {
                continue;
            }
            found.add(s);
            if (s.superName != null) {
                todo.add(s.superName);
            }
            todo.addAll(s.interfaces);
        }
        return found;
    }

    /** True if {@code name desc} is annotated in {@code owner} itself. */
    public boolean isAnnotated(String owner, String name, String desc) {
        ClassInfo info = get(owner);
        return info != null && info.annotated.contains(name + desc);
    }

    private boolean computeIsCoroutine(String owner, String name, String desc) {
        ClassInfo info = get(owner);
        if (info == null) {
            return false;
        }
        String key = name + desc;
        if (info.annotated.contains(key)) {
            return true;
        }
        for (Map.Entry<String, String> bridge : info.bridges.entrySet()) {
            if (bridge.getValue().equals(key)) {
                String b = bridge.getKey();
                int paren = b.indexOf('(');
                if (isCoroutineInSupertypes(info, b.substring(0, paren), b.substring(paren))) {
                    return true;
                }
            }
        }
        Integer access = info.methods.get(key);
        if (access != null && (access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) != 0) {
            return inheritedStatic(info, name, desc);
        }
        return isCoroutineInSupertypes(info, name, desc);
    }

    /** A static or private method only inherits coroutine-ness if it is annotated where declared. */
    private boolean inheritedStatic(ClassInfo info, String name, String desc) {
        return info.annotated.contains(name + desc);
    }

    private boolean isCoroutineInSupertypes(ClassInfo info, String name, String desc) {
        String prefix = name + desc.substring(0, desc.indexOf(')') + 1);
        for (ClassInfo s : properSupertypes(info)) {
            for (String a : s.annotated) {
                if (a.startsWith(prefix)) {
                    Integer acc = s.methods.get(a);
                    if (acc != null && (acc & Opcodes.ACC_PRIVATE) == 0) {
                        return true;
                    }
                }
            }
            for (Map.Entry<String, String> bridge : s.bridges.entrySet()) {
                String target = bridge.getValue();
                if (target.startsWith(prefix) && isCoroutine(s.name, name, target.substring(name.length()))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The coroutine methods a class declares (name+descriptor), with the reason for each: annotated, bridged or
     * overriding. Methods without code are included.
     */
    public Map<String, String> declaredCoroutines(String owner) {
        ClassInfo info = get(owner);
        Map<String, String> result = new HashMap<>();
        if (info == null) {
            return result;
        }
        for (String key : info.methods.keySet()) {
            int paren = key.indexOf('(');
            String name = key.substring(0, paren);
            if (name.equals("<init>") || name.equals("<clinit>")) {
                if (info.annotated.contains(key)) {
                    result.put(key, "annotated");
                }
                continue;
            }
            if (isCoroutine(owner, name, key.substring(paren))) {
                result.put(key, info.annotated.contains(key) ? "annotated" : "overrides a @Coroutine method");
            }
        }
        return result;
    }

    static ClassInfo parse(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        Map<String, Integer> methods = new HashMap<>();
        Set<String> annotated = new HashSet<>();
        Map<String, String> bridges = new HashMap<>();
        String[] header = new String[2];
        int[] access = new int[2];
        List<String> interfaces = new ArrayList<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public void visit(int version, int acc, String name, String signature, String superName,
                              String[] ifaces) {
                header[0] = name;
                header[1] = superName;
                access[0] = acc;
                access[1] = version & 0xFFFF;
                if (ifaces != null) {
                    interfaces.addAll(Arrays.asList(ifaces));
                }
            }

            @Override
            public MethodVisitor visitMethod(int acc, String name, String desc, String signature, String[] exc) {
                String key = name + desc;
                methods.put(key, acc);
                boolean bridge = (acc & Opcodes.ACC_BRIDGE) != 0;
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String annDesc, boolean visible) {
                        if (COROUTINE_DESC.equals(annDesc)) {
                            annotated.add(key);
                        }
                        return null;
                    }

                    @Override
                    public void visitMethodInsn(int op, String owner, String mName, String mDesc, boolean itf) {
                        if (bridge && owner.equals(header[0]) && mName.equals(name) && !mDesc.equals(desc)
                                && !bridges.containsKey(key)) {
                            bridges.put(key, mName + mDesc);
                        }
                    }
                };
            }
        }, ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
        return new ClassInfo(header[0], access[0], access[1], header[1], interfaces, methods, annotated, bridges);
    }

}
