package dev.coro.agent.verify;

import dev.coro.agent.hierarchy.ClassHierarchy;
import dev.coro.agent.instrument.ClassInstrumenter;
import dev.coro.agent.instrument.Policy;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceMethodVisitor;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashSet;
import java.util.Set;

/**
 * javap-style listings of a method before and after rewriting, for diagnosing a failure of the
 * instrument-everything check. Instructions are numbered as ASM's analyzer numbers them ("Error at instruction
 * N"), labels and line numbers included, and each is followed by the analyzer's frame (locals | stack) when the
 * frame is known.
 *
 * <p>Run with the agent's test class path: {@code MethodDump <class internal name> [method name]}; without a method
 * name every method of the rewritten class is listed.
 */
public final class MethodDump {
    private MethodDump() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: MethodDump <internal class name> [method name]");
            return;
        }
        try (ClassSources sources = ClassSources.open()) {
            ClassHierarchy hierarchy = new ClassHierarchy(sources::find);
            byte[] original = sources.find(args[0]);
            if (original == null) {
                System.err.println("no class file for " + args[0]);
                return;
            }
            ClassInstrumenter.Result r = new ClassInstrumenter(Policy.everything(hierarchy)).instrument(original);
            r.problems.forEach(p -> System.out.println("problem: " + p));
            String method = args.length > 1 ? args[1] : null;
            System.out.println("=== original");
            System.out.println(dumpClass(hierarchy, original, method));
            if (r.bytes != null) {
                System.out.println("=== rewritten");
                System.out.println(dumpClass(hierarchy, r.bytes, method));
            }
        }
    }

    /** Every method of a class named {@code method} (all if null), each with its analysis. */
    static String dumpClass(ClassHierarchy hierarchy, byte[] classFile, String method) {
        ClassNode cn = new ClassNode();
        new ClassReader(classFile).accept(cn, 0); // with its frames, which the listing shows and the analysis checks
        StringBuilder out = new StringBuilder();
        for (MethodNode m : cn.methods) {
            if (method == null || m.name.equals(method)) {
                out.append(dump(hierarchy, cn, m));
            }
        }
        return out.toString();
    }

    /** One method: header, numbered instructions with frames, handlers, and the analyzer's verdict. */
    static String dump(ClassHierarchy hierarchy, ClassNode owner, MethodNode m) {
        StringWriter sw = new StringWriter();
        PrintWriter out = new PrintWriter(sw);
        out.printf("%s.%s%s access=0x%x maxStack=%d maxLocals=%d%n", owner.name, m.name, m.desc, m.access,
                m.maxStack, m.maxLocals);
        Frame<BasicValue>[] frames = null;
        String verdict = "ok";
        if (m.instructions.size() > 0) {
            Set<String> unresolved = new HashSet<>();
            Analyzer<BasicValue> a = HierarchyVerifier.analyzer(hierarchy, owner, unresolved);
            try {
                a.analyze(owner.name, m);
            } catch (AnalyzerException e) {
                verdict = e.getMessage();
            } catch (RuntimeException e) {
                verdict = "analyzer crashed: " + e;
            }
            frames = a.getFrames();
        }
        Textifier textifier = new Textifier();
        TraceMethodVisitor trace = new TraceMethodVisitor(textifier);
        for (int i = 0; i < m.instructions.size(); i++) {
            AbstractInsnNode insn = m.instructions.get(i);
            insn.accept(trace);
            StringWriter one = new StringWriter();
            textifier.print(new PrintWriter(one));
            textifier.getText().clear();
            out.printf("%5d: %-60s", i, one.toString().trim());
            if (frames != null && frames[i] != null) {
                out.print("  " + frame(frames[i]));
            }
            out.println();
        }
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            out.printf("  try [%d, %d) -> %d %s%n", m.instructions.indexOf(t.start), m.instructions.indexOf(t.end),
                    m.instructions.indexOf(t.handler), t.type == null ? "any" : t.type);
        }
        out.println("  analysis: " + verdict);
        out.println();
        out.flush();
        return sw.toString();
    }

    private static String frame(Frame<BasicValue> f) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < f.getLocals(); i++) {
            b.append(i == 0 ? "" : " ").append(value(f.getLocal(i)));
        }
        b.append(" |");
        for (int i = 0; i < f.getStackSize(); i++) {
            b.append(' ').append(value(f.getStack(i)));
        }
        return b.append(']').toString();
    }

    private static String value(BasicValue v) {
        if (v == null || v.getType() == null) {
            return ".";
        }
        String d = v.getType().getDescriptor();
        int slash = d.lastIndexOf('/');
        return slash < 0 ? d : d.charAt(0) == '[' ? d.substring(0, d.indexOf('L') + 1) + d.substring(slash + 1)
                : d.substring(slash + 1, d.length() - 1);
    }
}
