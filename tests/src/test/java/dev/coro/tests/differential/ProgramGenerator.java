package dev.coro.tests.differential;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Generates the Java source of one random, always-terminating, deterministic program per seed, in two variants
 * that differ only in what suspends:
 * <ul>
 * <li>variant P: no annotation anywhere; the suspension helpers {@code sI(x)}, {@code sJ(x)}... just return
 * {@code x}. The agent leaves it alone.</li>
 * <li>variant C: every generated method is {@code @Coroutine}, and every helper is a {@code @Coroutine} that calls
 * {@code Coro.yield()} before returning {@code x}, so every suspension point really suspends.</li>
 * </ul>
 * The program's observable behaviour is the trace its {@link Ctx} records (values, caught exceptions, the results
 * or exceptions of its top-level calls), returned by {@code call()}; the two variants must return equal strings.
 *
 * <p>Termination and size are guaranteed by construction: calls only go from method {@code mi} to {@code mj} with
 * {@code j > i}, every loop is bounded by a counter and every loop iteration and method entry burns fuel
 * ({@link Ctx#tick()}); strings stored anywhere are capped. Null is never produced, so no NullPointerException
 * (whose message depends on bytecode) can happen.
 *
 * <p>Every statement and every expression gets an id in generation order; {@link Options#droppedStatements} and
 * {@link Options#simplifiedExpressions} drop statements or replace expressions with a constant without changing
 * the random choices made for the rest, which is what the {@link Reducer} uses to shrink a failing program.
 */
final class ProgramGenerator {

    /** Budget of loop iterations and calls for each top-level call of a program. */
    static final int FUEL = 400;

    static final class Options {
        Set<Integer> droppedStatements = Collections.emptySet();
        Set<Integer> simplifiedExpressions = Collections.emptySet();
        /** Self-test only: make variant C's {@code sI} helper return a different value. */
        boolean mutateC;
        /**
         * Appended to the class names, so a program can be loaded again in the same JVM under other names (the
         * runtime warns about a pinned call site only once per JVM).
         */
        String nameTag = "";
    }

    /** One generated program, both variants. */
    static final class Program {
        final long seed;
        final String pName;
        final String cName;
        final String pSource;
        final String cSource;
        final int statementCount;
        final int expressionCount;

        Program(long seed, String pName, String cName, String pSource, String cSource, int statementCount,
                int expressionCount) {
            this.seed = seed;
            this.pName = pName;
            this.cName = cName;
            this.pSource = pSource;
            this.cSource = cSource;
            this.statementCount = statementCount;
            this.expressionCount = expressionCount;
        }
    }

    static final String PACKAGE = "gen";

    static Program generate(long seed) {
        return generate(seed, new Options());
    }

    static Program generate(long seed, Options opt) {
        String suffix = (seed < 0 ? "m" + (-seed) : Long.toString(seed)) + opt.nameTag;
        String pName = PACKAGE + ".P" + suffix;
        String cName = PACKAGE + ".C" + suffix;
        ProgramGenerator g = new ProgramGenerator(seed, opt);
        String body = g.program();
        String p = g.emit(body, "P" + suffix, false);
        String c = g.emit(body, "C" + suffix, true);
        return new Program(seed, pName, cName, p, c, g.stmtId, g.exprId);
    }

    // ------------------------------------------------------------------------------------------------------------

    enum T {
        INT("int"), LONG("long"), FLOAT("float"), DOUBLE("double"), BOOLEAN("boolean"), BYTE("byte"),
        SHORT("short"), CHAR("char"), STRING("String"), OBJ("Obj"),
        INT_A("int[]"), LONG_A("long[]"), FLOAT_A("float[]"), DOUBLE_A("double[]"), BOOLEAN_A("boolean[]"),
        BYTE_A("byte[]"), SHORT_A("short[]"), CHAR_A("char[]"), STRING_A("String[]");

        final String java;

        T(String java) {
            this.java = java;
        }

        boolean isArray() {
            return java.endsWith("[]");
        }

        T elem() {
            return valueOf(name().substring(0, name().length() - 2));
        }

        boolean isNumeric() {
            return this == INT || this == LONG || this == FLOAT || this == DOUBLE || this == BYTE || this == SHORT
                    || this == CHAR;
        }

        boolean isIntegral() {
            return this == INT || this == LONG || this == BYTE || this == SHORT || this == CHAR;
        }

        boolean isPrimitive() {
            return isNumeric() || this == BOOLEAN;
        }
    }

    private static final T[] PRIMS_AND_STRING = {T.INT, T.LONG, T.FLOAT, T.DOUBLE, T.BOOLEAN, T.BYTE, T.SHORT,
            T.CHAR, T.STRING};
    private static final T[] NUMERIC = {T.INT, T.LONG, T.FLOAT, T.DOUBLE, T.BYTE, T.SHORT, T.CHAR};
    private static final T[] ARRAYS = {T.INT_A, T.LONG_A, T.FLOAT_A, T.DOUBLE_A, T.BOOLEAN_A, T.BYTE_A, T.SHORT_A,
            T.CHAR_A, T.STRING_A};

    /** A name an expression can read, and maybe assign. */
    private static final class Var {
        final String expr;
        final T type;
        final boolean assignable;

        Var(String expr, T type, boolean assignable) {
            this.expr = expr;
            this.type = type;
            this.assignable = assignable;
        }
    }

    /** A generated method's signature. {@code ret == null} means void. */
    private static final class Sig {
        final int index;
        final String name;
        final T ret;
        final List<T> params = new ArrayList<>();
        final boolean isStatic;
        final boolean isPrivate;

        Sig(int index, T ret, boolean isStatic, boolean isPrivate) {
            this.index = index;
            this.name = "m" + index;
            this.ret = ret;
            this.isStatic = isStatic;
            this.isPrivate = isPrivate;
        }
    }

    /** What jumps are legal where a statement is generated. */
    private static final class Flow {
        final boolean canReturn;
        final boolean inLoop;
        final List<String> labels;

        Flow(boolean canReturn, boolean inLoop, List<String> labels) {
            this.canReturn = canReturn;
            this.inLoop = inLoop;
            this.labels = labels;
        }

        Flow loop(String label) {
            List<String> l = new ArrayList<>(labels);
            if (label != null) {
                l.add(label);
            }
            return new Flow(canReturn, true, l);
        }
    }

    private final Random r;
    private final Options opt;
    private final double suspendRate;
    private final int maxExprDepth;
    private final List<Sig> sigs = new ArrayList<>();

    private StringBuilder out = new StringBuilder();
    private int ind;
    private final List<Var> scope = new ArrayList<>();
    private Sig cur;
    private int names;
    private int traceLabels;
    private int stmtId;
    private int exprId;
    private int stmtBudget;
    private int inSwitchExpression;
    /** How the current method reaches the program's fields: "", "this." or "c.p.". */
    private String selfPrefix = "";

    private ProgramGenerator(long seed, Options opt) {
        this.r = new Random(seed);
        this.opt = opt;
        this.suspendRate = 0.1 + r.nextDouble() * 0.3;
        this.maxExprDepth = r.nextInt(4) == 0 ? 4 : 2 + r.nextInt(2);
    }

    // ---- the program ---------------------------------------------------------------------------------------------

    private String program() {
        int n = 2 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            T ret = r.nextInt(6) == 0 ? null : randomType();
            Sig s = new Sig(i, ret, r.nextBoolean(), r.nextInt(3) == 0);
            int np = r.nextInt(4);
            for (int k = 0; k < np; k++) {
                s.params.add(randomType());
            }
            sigs.add(s);
        }
        StringBuilder methods = new StringBuilder();
        for (Sig s : sigs) {
            methods.append(method(s)).append('\n');
        }
        return methods.toString() + entry();
    }

    private String method(Sig s) {
        cur = s;
        names = 0;
        scope.clear();
        out = new StringBuilder();
        ind = 1;
        stmtBudget = 8 + r.nextInt(22);
        StringBuilder head = new StringBuilder("    @CO ");
        head.append(s.isPrivate ? "private " : "").append(s.isStatic ? "static " : "");
        head.append(s.ret == null ? "void" : s.ret.java).append(' ').append(s.name).append('(');
        List<String> ps = new ArrayList<>();
        if (s.isStatic) {
            ps.add("Ctx<@NAME@> c");
        }
        for (int i = 0; i < s.params.size(); i++) {
            ps.add(s.params.get(i).java + " p" + i);
        }
        head.append(String.join(", ", ps)).append(") {\n");
        // the program's fields, reached through this or through the context
        String self = s.isStatic ? "c.p." : (r.nextBoolean() ? "this." : "");
        selfPrefix = self;
        scope.add(new Var(self + "fi", T.INT, true));
        scope.add(new Var(self + "fj", T.LONG, true));
        scope.add(new Var(self + "fd", T.DOUBLE, true));
        scope.add(new Var(self + "fs", T.STRING, true));
        scope.add(new Var(self + "fa", T.INT_A, true));
        scope.add(new Var(self + "fo", T.OBJ, true));
        for (int i = 0; i < s.params.size(); i++) {
            scope.add(new Var("p" + i, s.params.get(i), true));
        }
        ind = 2;
        line("c.tick();");
        Flow flow = new Flow(true, false, Collections.emptyList());
        block(3, flow, 3 + r.nextInt(6));
        if (s.ret != null) {
            line("return " + store(s.ret, e(s.ret, maxExprDepth)) + ";");
        }
        ind = 1;
        line("}");
        return head + out.toString();
    }

    /** {@code call()}: each generated method called once at top level, each with fresh fuel. */
    private String entry() {
        out = new StringBuilder();
        scope.clear();
        cur = null;
        names = 0;
        ind = 1;
        line("@Override");
        line("public String call() {");
        ind = 2;
        line("Ctx<@NAME@> c = new Ctx<>(this);");
        line("this.c = c;");
        List<Sig> top = new ArrayList<>();
        for (Sig s : sigs) {
            if (s.index == 0 || r.nextInt(3) != 0) {
                top.add(s); // the others are reached (or not) only through other methods
            }
        }
        List<Sig> calls = new ArrayList<>(top);
        calls.addAll(top); // a second round, with other arguments, on the state the first one left
        for (Sig s : calls) {
            int id = stmtId++;
            int mark = out.length();
            line("c.refuel(" + FUEL + ");");
            List<String> args = new ArrayList<>();
            if (s.isStatic) {
                args.add("c");
            }
            for (T p : s.params) {
                args.add(literal(p, 1));
            }
            String call = s.name + "(" + String.join(", ", args) + ")";
            String label = "\"r" + s.index + "\"";
            line("try {");
            ind++;
            if (s.ret == null) {
                line(call + ";");
                line("c.out(" + label + ", \"void\");");
            } else {
                line("c.out(" + label + ", " + render(s.ret, call) + ");");
            }
            ind--;
            line("} catch (Throwable t) {");
            line("    c.ex(" + label + ", t);");
            line("}");
            if (opt.droppedStatements.contains(id)) {
                out.setLength(mark);
            }
        }
        line("c.out(\"fields\", fi + \"/\" + fj + \"/\" + fd + \"/\" + fs + \"/\" + java.util.Arrays.toString(fa) "
                + "+ \"/\" + fo.describe());");
        line("return c.finish();");
        ind = 1;
        line("}");
        return out.toString();
    }

    /** The value of an expression of type t, as something {@link Ctx#out} takes. */
    private static String render(T t, String expr) {
        if (t.isArray()) {
            return "java.util.Arrays.toString(" + expr + ")";
        }
        if (t == T.OBJ) {
            return "(" + expr + ").describe()";
        }
        return expr;
    }

    private String emit(String body, String simpleName, boolean coroutine) {
        String b = body.replace("@NAME@", simpleName).replace("@CO ", coroutine ? "@Coroutine " : "");
        StringBuilder s = new StringBuilder();
        s.append("package ").append(PACKAGE).append(";\n\n");
        s.append("import dev.coro.tests.differential.Ctx;\n");
        s.append("import dev.coro.tests.differential.GenEx;\n");
        if (coroutine) {
            s.append("import dev.coro.Coro;\n");
            s.append("import dev.coro.Coroutine;\n");
        }
        s.append("\n// generated by ").append(ProgramGenerator.class.getName()).append(", variant ")
                .append(coroutine ? "C" : "P").append("\n");
        s.append("public final class ").append(simpleName).append(" implements ")
                .append(coroutine ? "dev.coro.CoroutineCallable<String>" : "java.util.concurrent.Callable<String>")
                .append(" {\n");
        s.append("    Ctx<").append(simpleName).append("> c;\n");
        s.append("    int fi = 1;\n    long fj = 2L;\n    double fd = 0.5;\n    String fs = \"f\";\n");
        s.append("    int[] fa = {1, 2, 3};\n    Obj fo = new Obj(1, 2L, \"o\");\n");
        s.append("    Op[] ops = {new Add(2), new Mul(), x -> sI(x) ^ 5, new Sub()};\n\n");
        s.append(b).append('\n');
        s.append(helpers(coroutine));
        s.append(objClass(coroutine));
        s.append(opTypes(coroutine));
        s.append("}\n");
        return s.toString();
    }

    private String helpers(boolean co) {
        String[][] hs = {
                {"int", "sI"}, {"long", "sJ"}, {"float", "sF"}, {"double", "sD"}, {"boolean", "sZ"},
                {"byte", "sB"}, {"short", "sS"}, {"char", "sC"}, {"String", "sT"}};
        StringBuilder s = new StringBuilder();
        s.append("    // suspension points: in variant C each one suspends the calling coroutine. Coro.sleep(0)\n"
                + "    // suspends like Coro.yield() inside a coroutine, and outside one it returns at once\n"
                + "    // instead of yielding the thread (which costs about a millisecond on a busy machine)\n");
        for (String[] h : hs) {
            s.append("    ").append(co ? "@Coroutine " : "").append("private static ").append(h[0]).append(' ')
                    .append(h[1]).append('(').append(h[0]).append(" x) {\n");
            if (co) {
                s.append("        Coro.sleep(0);\n");
            }
            if (co && opt.mutateC && h[1].equals("sI")) {
                s.append("        return x ^ 1;\n");
            } else {
                s.append("        return x;\n");
            }
            s.append("    }\n");
        }
        s.append("    ").append(co ? "@Coroutine " : "").append("private static int sX(int x) {\n");
        if (co) {
            s.append("        Coro.sleep(0);\n");
        }
        s.append("        if ((x & 7) == 3) {\n            throw new GenEx(\"sX \" + x);\n        }\n");
        s.append("        return x;\n    }\n");
        s.append("    ").append(co ? "@Coroutine " : "").append("private static <X> X sA(X x) {\n");
        if (co) {
            s.append("        Coro.sleep(0);\n");
        }
        s.append("        return x;\n    }\n");
        s.append("    ").append(co ? "@Coroutine " : "").append("static void pause() {\n");
        if (co) {
            s.append("        if (Coro.current() != null) {\n            Coro.yield();\n        } else {\n"
                    + "            Coro.sleep(0);\n        }\n");
        }
        s.append("    }\n\n");
        return s.toString();
    }

    /** An interface of coroutines with a default method, an implementation that inherits being a coroutine, one
     * that is annotated, and a lambda (in the {@code ops} field); and a bounded recursion. */
    private static String opTypes(boolean co) {
        String a = co ? "@Coroutine " : "";
        return "\n    interface Op {\n"
                + "        " + a + "int apply(int x);\n\n"
                + "        " + a + "default int twice(int x) {\n            return apply(apply(x) + 1);\n        }\n"
                + "    }\n\n"
                + "    static final class Add implements Op {\n"
                + "        int k;\n\n        Add(int k) {\n            this.k = k;\n        }\n\n"
                + "        @Override\n        public int apply(int x) {\n            k += 1;\n"
                + "            return sI(x) + k;\n        }\n    }\n\n"
                + "    static final class Mul implements Op {\n"
                + "        @Override\n        " + a + "public int apply(int x) {\n"
                + "            return x * sI(3) - 1;\n        }\n    }\n\n"
                + "    static class Base implements Op {\n        int n;\n\n"
                + "        @Override\n        " + a + "public int apply(int x) {\n            n += sI(x);\n"
                + "            return n;\n        }\n    }\n\n"
                + "    static final class Sub extends Base {\n"
                + "        @Override\n        public int apply(int x) {\n            int b = super.apply(x + 1);\n"
                + "            return b * 2 + sI(n);\n        }\n    }\n\n"
                + "    " + a + "static int sum(int... xs) {\n        int t = 0;\n        for (int x : xs) {\n"
                + "            t += sI(x);\n        }\n        return t;\n    }\n\n"
                + "    " + a + "static long rec(int n, long acc) {\n"
                + "        if (n <= 0) {\n            return sJ(acc);\n        }\n"
                + "        long r = rec(n - 1, acc * 31 + sI(n));\n"
                + "        return r + n;\n    }\n";
    }

    private static String objClass(boolean co) {
        String a = co ? "@Coroutine " : "";
        return "    static final class Obj {\n"
                + "        int a;\n        long b;\n        String s;\n        double d;\n\n"
                + "        Obj(int a, long b, String s) {\n"
                + "            this.a = a;\n            this.b = b;\n            this.s = Ctx.cap(s);\n"
                + "            this.d = a * 0.5;\n        }\n\n"
                + "        " + a + "int addA(int x) {\n            a += sI(x);\n            return a;\n        }\n\n"
                + "        " + a + "long mixB(long y) {\n            b = b * 31 + sJ(y);\n            d += sD(0.25);\n"
                + "            return b;\n        }\n\n"
                + "        " + a + "String tag(String p) {\n            String t = p + \":\" + sI(a) + \"/\" + b;\n"
                + "            s = Ctx.cap(t);\n            return s;\n        }\n\n"
                + "        int sum() {\n            return a + (int) b;\n        }\n\n"
                + "        String describe() {\n"
                + "            return \"Obj(\" + a + \",\" + b + \",\" + s + \",\" + d + \")\";\n"
                + "        }\n    }\n";
    }

    // ---- statements ----------------------------------------------------------------------------------------------

    private void line(String s) {
        for (int i = 0; i < ind; i++) {
            out.append("    ");
        }
        out.append(s).append('\n');
    }

    private String fresh(String prefix) {
        return prefix + (names++);
    }

    private String label() {
        return "\"L" + (traceLabels++) + "\"";
    }

    /** A block's statements, in a scope of their own. */
    private void block(int depth, Flow flow, int count) {
        int mark = scope.size();
        for (int i = 0; i < count && stmtBudget > 0; i++) {
            stmt(depth, flow);
        }
        scope.subList(mark, scope.size()).clear();
    }

    private void braced(int depth, Flow flow, int count) {
        ind++;
        block(depth, flow, count);
        ind--;
    }

    private void stmt(int depth, Flow flow) {
        int id = stmtId++;
        stmtBudget--;
        int mark = out.length();
        stmt0(depth, flow);
        if (opt.droppedStatements.contains(id)) {
            out.setLength(mark); // the random choices were made all the same: the rest of the program is unchanged
        }
    }

    private void stmt0(int depth, Flow flow) {
        int d = maxExprDepth;
        boolean nest = depth > 0;
        int k = r.nextInt(nest ? 41 : 22);
        switch (k) {
            case 0: case 1: case 2: case 3: case 4: {
                T t = randomType();
                String v = fresh("v");
                line(t.java + " " + v + " = " + store(t, e(t, d)) + ";");
                scope.add(new Var(v, t, true));
                return;
            }
            case 5: case 6: case 7: case 8:
                assign(d);
                return;
            case 9: case 10: case 11: case 12: {
                T t = r.nextInt(5) == 0 ? randomType() : pick(PRIMS_AND_STRING);
                line("c.out(" + label() + ", " + render(t, e(t, d)) + ");");
                return;
            }
            case 13: case 14:
                arrayStore(d);
                return;
            case 15:
                fieldStore(d);
                return;
            case 16: case 17:
                callStmt(d);
                return;
            case 18: {
                if (r.nextBoolean()) {
                    line("pause();");
                } else {
                    T t = pick(PRIMS_AND_STRING);
                    line(susp(t, e(t, d - 1)) + ";");
                }
                return;
            }
            case 19:
                line("if (" + e(T.BOOLEAN, d) + " && " + e(T.BOOLEAN, d - 1) + ") throw " + exception(d) + ";");
                return;
            case 20:
                if (flow.canReturn) {
                    line("if (" + e(T.BOOLEAN, d) + ") {");
                    ind++;
                    if (r.nextBoolean()) {
                        line("c.out(" + label() + ", \"early\");");
                    }
                    line(cur.ret == null ? "return;" : "return " + store(cur.ret, e(cur.ret, d)) + ";");
                    ind--;
                    line("}");
                    return;
                }
                assign(d);
                return;
            case 21:
                if (flow.inLoop) {
                    String target = !flow.labels.isEmpty() && r.nextInt(3) == 0 ? " " + pick(flow.labels) : "";
                    line("if (" + e(T.BOOLEAN, d) + ") " + (r.nextBoolean() ? "break" : "continue") + target + ";");
                    return;
                }
                assign(d);
                return;
            // nested statements only from here on
            case 22: case 23: case 24:
                line("if (" + e(T.BOOLEAN, d) + ") {");
                braced(depth - 1, flow, 1 + r.nextInt(3));
                if (r.nextBoolean()) {
                    line("} else {");
                    braced(depth - 1, flow, 1 + r.nextInt(3));
                }
                line("}");
                return;
            case 25: case 26:
                forLoop(depth, flow);
                return;
            case 27:
                whileLoop(depth, flow, false);
                return;
            case 28:
                whileLoop(depth, flow, true);
                return;
            case 29:
                forEach(depth, flow);
                return;
            case 30:
                switchStmt(depth, flow);
                return;
            case 31:
                arrowSwitchStmt(depth, flow);
                return;
            case 32: case 33: case 34:
            case 35:
                if (inSwitchExpression > 0) {
                    // javac 17 crashes (NPE in Gen.doHandleSwitchExpression) on some switch expressions holding a
                    // try statement while values wait on the operand stack; such programs are not generated
                    forLoop(depth, flow);
                } else if (k == 35) {
                    tryWithResources(depth, flow);
                } else {
                    tryStmt(depth, flow);
                }
                return;
            case 36:
                line("{");
                braced(depth - 1, flow, 1 + r.nextInt(3));
                line("}");
                return;
            case 37:
                labeledLoops(depth, flow);
                return;
            case 38: {
                // declared without a value, assigned on both branches: the variable's slot holds nothing at the
                // suspension points of the condition and of the branches before the assignment
                T t = randomType();
                String v = fresh("v");
                line(t.java + " " + v + ";");
                line("if (" + e(T.BOOLEAN, d) + ") {");
                braced(0, flow, r.nextInt(2));
                line("    " + v + " = " + store(t, e(t, d)) + ";");
                line("} else {");
                braced(0, flow, r.nextInt(2));
                line("    " + v + " = " + store(t, e(t, d)) + ";");
                line("}");
                scope.add(new Var(v, t, true));
                return;
            }
            case 39: {
                if (inSwitchExpression > 0) {
                    // javac 17 emits wrong stack map frames for a synchronized block in a switch expression
                    assign(d);
                    return;
                }
                // a monitor in a method that suspends elsewhere; no suspension point inside, since a call made
                // while holding a monitor runs pinned and the agent reports each such call site
                line("synchronized (" + (cur.isStatic || r.nextBoolean() ? "c" : "this") + ") {");
                ind++;
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    if (r.nextBoolean()) {
                        assign(0);
                    } else {
                        T t = pick(PRIMS_AND_STRING);
                        line("c.out(" + label() + ", " + e(t, 0) + ");");
                    }
                }
                ind--;
                line("}");
                return;
            }
            default:
                callStmt(d);
        }
    }

    private void assign(int d) {
        Var v = pickVar(null, true);
        if (v == null) {
            line("c.out(" + label() + ", " + e(T.INT, d) + ");");
            return;
        }
        T t = v.type;
        String rhs;
        if (t == T.STRING) {
            rhs = r.nextBoolean() ? " = Ctx.cap(" + v.expr + " + " + e(pick(PRIMS_AND_STRING), d) + ")"
                    : " = " + store(t, e(t, d));
        } else if (t.isNumeric() && r.nextBoolean()) {
            int k = r.nextInt(8);
            if (k == 0) {
                line(v.expr + (r.nextBoolean() ? "++" : "--") + ";");
                return;
            }
            String[] ops = t.isIntegral() ? new String[] {"+=", "-=", "*=", "&=", "|=", "^=", "<<=", ">>=", ">>>="}
                    : new String[] {"+=", "-=", "*=", "/=", "%="};
            T rt = t.isIntegral() ? (r.nextBoolean() ? T.INT : t) : pick(NUMERIC);
            rhs = " " + pick(ops) + " " + e(rt, d);
        } else if (t == T.BOOLEAN && r.nextBoolean()) {
            rhs = " " + pick(new String[] {"&=", "|=", "^="}) + " " + e(T.BOOLEAN, d);
        } else {
            rhs = " = " + store(t, e(t, d));
        }
        line(v.expr + rhs + ";");
    }

    private void arrayStore(int d) {
        Var a = pickArrayVar();
        if (a == null) {
            assign(d);
            return;
        }
        T el = a.type.elem();
        String idx = index(a.expr, d - 1);
        if (el == T.STRING) {
            if (r.nextBoolean()) {
                String lit = Integer.toString(r.nextInt(3));
                line(a.expr + "[" + lit + "] = Ctx.cap(" + a.expr + "[" + lit + "] + " + e(pick(PRIMS_AND_STRING), d)
                        + ");");
            } else {
                line(a.expr + "[" + idx + "] = " + store(el, e(el, d)) + ";");
            }
        } else if (el == T.BOOLEAN) {
            line(a.expr + "[" + idx + "] " + pick(new String[] {"=", "^=", "|="}) + " " + e(el, d) + ";");
        } else {
            int k = r.nextInt(4);
            if (k == 0) {
                line(a.expr + "[" + idx + "]" + (r.nextBoolean() ? "++" : "--") + ";");
            } else if (k == 1) {
                line(a.expr + "[" + idx + "] += " + e(r.nextBoolean() ? T.INT : el, d) + ";");
            } else {
                line(a.expr + "[" + idx + "] = " + e(el, d) + ";");
            }
        }
    }

    private void fieldStore(int d) {
        String o = objOperand(d - 1);
        switch (r.nextInt(4)) {
            case 0:
                line(o + ".a " + pick(new String[] {"=", "+=", "^="}) + " " + e(T.INT, d) + ";");
                break;
            case 1:
                line(o + ".b " + pick(new String[] {"=", "-=", "*="}) + " " + e(T.LONG, d) + ";");
                break;
            case 2:
                line(o + ".s = " + store(T.STRING, e(T.STRING, d)) + ";");
                break;
            default:
                line(o + ".d += " + e(T.DOUBLE, d) + ";");
        }
    }

    private void callStmt(int d) {
        List<Sig> callees = callees(null, true);
        if (!callees.isEmpty() && r.nextInt(4) != 0) {
            line(call(pick(callees), d - 1) + ";");
            return;
        }
        String o = objOperand(d - 1);
        switch (r.nextInt(3)) {
            case 0:
                line(o + ".addA(" + e(T.INT, d - 1) + ");");
                break;
            case 1:
                line(o + ".mixB(" + e(T.LONG, d - 1) + ");");
                break;
            default:
                line(o + ".tag(" + e(T.STRING, d - 1) + ");");
        }
    }

    private String exception(int d) {
        switch (r.nextInt(5)) {
            case 0:
                return "new IllegalStateException(" + label() + " + " + e(T.INT, d - 1) + ")";
            case 1:
                return "new ArithmeticException(\"arith \" + " + e(T.LONG, d - 1) + ")";
            default:
                return "new GenEx(" + label() + " + \":\" + " + e(pick(PRIMS_AND_STRING), d - 1) + ")";
        }
    }

    private void forLoop(int depth, Flow flow) {
        String i = fresh("i");
        String bound = r.nextInt(3) == 0 ? "(" + e(T.INT, 1) + " & 3)" : Integer.toString(r.nextInt(5));
        String step = r.nextInt(4) == 0 ? i + " += " + (r.nextBoolean() ? "sI(1)" : Integer.toString(1 + r.nextInt(2)))
                : i + "++";
        String lbl = r.nextInt(5) == 0 ? fresh("lbl") : null;
        line((lbl != null ? lbl + ": " : "") + "for (int " + i + " = 0; " + i + " < " + bound + "; " + step + ") {");
        int mark = scope.size();
        scope.add(new Var(i, T.INT, false));
        ind++;
        line("c.tick();");
        block(depth - 1, flow.loop(lbl), 1 + r.nextInt(4));
        ind--;
        scope.subList(mark, scope.size()).clear();
        line("}");
    }

    private void whileLoop(int depth, Flow flow, boolean doWhile) {
        String g = fresh("g");
        line("int " + g + " = " + (1 + r.nextInt(4)) + ";");
        String cond = g + "-- > 0" + (r.nextBoolean() ? " && " + e(T.BOOLEAN, 2) : "");
        line(doWhile ? "do {" : "while (" + cond + ") {");
        ind++;
        line("c.tick();");
        block(depth - 1, flow.loop(null), 1 + r.nextInt(4));
        ind--;
        line(doWhile ? "} while (" + cond + ");" : "}");
        scope.add(new Var(g, T.INT, false));
    }

    private void forEach(int depth, Flow flow) {
        T at = pick(ARRAYS);
        Var a = pickVar(at, false);
        String arr = a != null && r.nextInt(4) != 0 ? a.expr : e(at, 2);
        if (r.nextInt(3) == 0) {
            // over a List: an Iterator (and boxing) live across the suspensions in the body
            at = r.nextBoolean() ? T.INT_A : T.STRING_A;
            List<String> es = new ArrayList<>();
            for (int i = 1 + r.nextInt(4); i > 0; i--) {
                es.add(e(at.elem(), 2));
            }
            arr = "java.util.List.of(" + String.join(", ", es) + ")";
        }
        String v = fresh("x");
        line("for (" + at.elem().java + " " + v + " : " + arr + ") {");
        int mark = scope.size();
        scope.add(new Var(v, at.elem(), false));
        ind++;
        line("c.tick();");
        block(depth - 1, flow.loop(null), 1 + r.nextInt(3));
        ind--;
        scope.subList(mark, scope.size()).clear();
        line("}");
    }

    private void labeledLoops(int depth, Flow flow) {
        String outer = fresh("outer");
        String i = fresh("i");
        String j = fresh("j");
        line(outer + ":");
        line("for (int " + i + " = 0; " + i + " < " + (1 + r.nextInt(3)) + "; " + i + "++) {");
        int mark = scope.size();
        scope.add(new Var(i, T.INT, false));
        ind++;
        line("c.tick();");
        Flow f1 = flow.loop(outer);
        block(0, f1, r.nextInt(2));
        line("for (int " + j + " = 0; " + j + " < " + (1 + r.nextInt(3)) + "; " + j + "++) {");
        scope.add(new Var(j, T.INT, false));
        ind++;
        line("c.tick();");
        line("if (" + e(T.BOOLEAN, 2) + ") continue " + outer + ";");
        block(depth - 1, f1.loop(null), 1 + r.nextInt(3));
        line("if (" + e(T.BOOLEAN, 2) + ") break " + outer + ";");
        ind--;
        line("}");
        ind--;
        scope.subList(mark, scope.size()).clear();
        line("}");
    }

    /** A selector and case labels for a switch: over int, char or String. */
    private String[] selector(int d) {
        switch (r.nextInt(4)) {
            case 0:
                return new String[] {e(T.CHAR, d), "'a'", "'b'", "'c'", "'q'"};
            case 1:
                return new String[] {e(T.STRING, d), "\"a\"", "\"b\"", "\"\"", "\"ab\""};
            default:
                return new String[] {"(" + e(T.INT, d) + " & 3)", "0", "1", "2", "3"};
        }
    }

    private void switchStmt(int depth, Flow flow) {
        String[] sel = selector(2);
        line("switch (" + sel[0] + ") {");
        List<String> labels = new ArrayList<>(List.of(sel).subList(1, sel.length));
        Collections.shuffle(labels, r);
        int cases = 1 + r.nextInt(3);
        int used = 0;
        for (int i = 0; i < cases && used < labels.size(); i++) {
            int n = 1 + r.nextInt(2);
            for (int k = 0; k < n && used < labels.size(); k++) {
                line("case " + labels.get(used++) + ":");
            }
            line("{");
            braced(depth - 1, flow, 1 + r.nextInt(3));
            line("}");
            if (r.nextInt(3) != 0) {
                line("break;");
            }
        }
        if (r.nextBoolean()) {
            line("default: {");
            braced(depth - 1, flow, 1 + r.nextInt(2));
            line("}");
        }
        line("}");
    }

    private void arrowSwitchStmt(int depth, Flow flow) {
        String[] sel = selector(2);
        line("switch (" + sel[0] + ") {");
        List<String> labels = new ArrayList<>(List.of(sel).subList(1, sel.length));
        Collections.shuffle(labels, r);
        int cases = 1 + r.nextInt(3);
        int used = 0;
        for (int i = 0; i < cases && used < labels.size(); i++) {
            List<String> ls = new ArrayList<>();
            int n = 1 + r.nextInt(2);
            for (int k = 0; k < n && used < labels.size(); k++) {
                ls.add(labels.get(used++));
            }
            if (r.nextBoolean()) {
                line("case " + String.join(", ", ls) + " -> c.out(" + label() + ", " + e(T.INT, 2) + ");");
            } else {
                line("case " + String.join(", ", ls) + " -> {");
                braced(depth - 1, flow, 1 + r.nextInt(3));
                line("}");
            }
        }
        if (r.nextBoolean()) {
            line("default -> {");
            braced(depth - 1, flow, 1 + r.nextInt(2));
            line("}");
        }
        line("}");
    }

    private static final String[] CATCHABLE = {"GenEx", "ArithmeticException", "IndexOutOfBoundsException",
            "IllegalStateException", "NegativeArraySizeException", "IllegalArgumentException"};

    private void tryStmt(int depth, Flow flow) {
        line("try {");
        braced(depth - 1, flow, 1 + r.nextInt(4));
        int kind = r.nextInt(4); // 0: finally only, 1: catches only, 2-3: both
        if (kind != 0) {
            List<String> types = new ArrayList<>();
            for (String c : CATCHABLE) {
                if (r.nextInt(3) == 0) {
                    types.add(c);
                }
            }
            List<List<String>> clauses = new ArrayList<>();
            for (String t : types) {
                if (!clauses.isEmpty() && r.nextBoolean()) {
                    clauses.get(clauses.size() - 1).add(t);
                } else {
                    clauses.add(new ArrayList<>(List.of(t)));
                }
            }
            if (clauses.isEmpty() || r.nextInt(3) == 0) {
                clauses.add(List.of(r.nextBoolean() ? "RuntimeException" : "Exception"));
            }
            for (List<String> cl : clauses) {
                String ev = fresh("e");
                line("} catch (" + String.join(" | ", cl) + " " + ev + ") {");
                ind++;
                line("c.ex(" + label() + ", " + ev + ");");
                int mark = scope.size();
                block(depth - 1, flow, r.nextInt(3));
                scope.subList(mark, scope.size()).clear();
                int rethrow = r.nextInt(6);
                if (rethrow == 0) {
                    line("if (" + e(T.BOOLEAN, 2) + ") throw " + ev + ";");
                } else if (rethrow == 1) {
                    line("if (" + e(T.BOOLEAN, 2) + ") throw new IllegalStateException(\"wrapped \" + Ctx.describe("
                            + ev + "));");
                }
                ind--;
            }
        }
        if (kind != 1) {
            line("} finally {");
            ind++;
            line("c.out(" + label() + ", \"finally\");");
            block(depth - 1, flow, r.nextInt(3));
            ind--;
        }
        line("}");
    }

    private void tryWithResources(int depth, Flow flow) {
        String rv = fresh("res");
        line("try (Ctx.Res " + rv + " = c.res(" + label() + ", " + (r.nextInt(3) == 0 ? e(T.BOOLEAN, 1) : "false")
                + ")) {");
        braced(depth - 1, flow, 1 + r.nextInt(3));
        if (r.nextBoolean()) {
            String ev = fresh("e");
            line("} catch (GenEx " + ev + ") {");
            ind++;
            line("c.ex(" + label() + ", " + ev + ");");
            ind--;
        }
        line("}");
    }

    // ---- expressions ---------------------------------------------------------------------------------------------

    /** The value stored into a variable, field, element or returned: strings are capped. */
    private static String store(T t, String expr) {
        if (t == T.STRING && !expr.startsWith("\"")) {
            return "Ctx.cap(" + expr + ")";
        }
        return expr;
    }

    private String e(T t, int d) {
        int id = exprId++;
        String s = e0(t, d);
        if (opt.simplifiedExpressions.contains(id)) {
            return simplest(t);
        }
        return s;
    }

    private static String simplest(T t) {
        switch (t) {
            case INT: return "0";
            case LONG: return "0L";
            case FLOAT: return "0f";
            case DOUBLE: return "0.0";
            case BOOLEAN: return "false";
            case BYTE: return "(byte) 0";
            case SHORT: return "(short) 0";
            case CHAR: return "'a'";
            case STRING: return "\"\"";
            case OBJ: return "new Obj(0, 0L, \"\")";
            case STRING_A: return "new String[] {\"\"}";
            default: return "new " + t.elem().java + "[1]";
        }
    }

    private String e0(T t, int d) {
        if (d <= 0 || r.nextInt(4) == 0) {
            return leaf(t, d);
        }
        if (r.nextDouble() < suspendRate) {
            return susp(t, e(t, d - 1));
        }
        switch (t) {
            case INT: return eInt(d);
            case LONG: return eLong(d);
            case FLOAT: return eFloat(d);
            case DOUBLE: return eDouble(d);
            case BOOLEAN: return eBool(d);
            case BYTE: case SHORT: return eSmall(t, d);
            case CHAR: return eChar(d);
            case STRING: return eString(d);
            case OBJ: return eObj(d);
            default: return eArray(t, d);
        }
    }

    /** A suspension point yielding {@code inner}. */
    private String susp(T t, String inner) {
        switch (t) {
            case INT: return "sI(" + inner + ")";
            case LONG: return "sJ(" + inner + ")";
            case FLOAT: return "sF(" + inner + ")";
            case DOUBLE: return "sD(" + inner + ")";
            case BOOLEAN: return "sZ(" + inner + ")";
            case BYTE: return "sB(" + inner + ")";
            case SHORT: return "sS(" + inner + ")";
            case CHAR: return "sC(" + inner + ")";
            case STRING: return r.nextBoolean() ? "sT(" + inner + ")" : "sA(" + inner + ")";
            default: return "sA(" + inner + ")";
        }
    }

    private String leaf(T t, int d) {
        Var v = pickVar(t, false);
        if (v != null && r.nextInt(10) < 7) {
            return v.expr;
        }
        return literal(t, d);
    }

    private String literal(T t, int d) {
        switch (t) {
            case INT: {
                int k = r.nextInt(20);
                if (k == 0) {
                    return pick(new String[] {"Integer.MAX_VALUE", "Integer.MIN_VALUE", "(-1 << 20)", "65535"});
                }
                int v = r.nextInt(25) - 5;
                return v < 0 ? "(" + v + ")" : Integer.toString(v);
            }
            case LONG: {
                int k = r.nextInt(20);
                if (k == 0) {
                    return pick(new String[] {"Long.MAX_VALUE", "Long.MIN_VALUE", "1234567890123L", "(-1L << 40)"});
                }
                int v = r.nextInt(40) - 8;
                return v < 0 ? "(" + v + "L)" : v + "L";
            }
            case FLOAT:
                return pick(new String[] {"1.5f", "(-0.25f)", "3f", "0.1f", "0f", "(-0f)", "1e20f", "Float.NaN",
                        "7.75f", "2f"});
            case DOUBLE:
                return pick(new String[] {"2.5", "(-1.0)", "0.1", "1e10", "0.0", "(-0.0)", "Double.NaN", "3.0",
                        "1e-300", "0.3333333333333333", "Double.POSITIVE_INFINITY", "6.0"});
            case BOOLEAN:
                return r.nextBoolean() ? "true" : "false";
            case BYTE:
                return "(byte) " + pick(new String[] {"0", "1", "7", "(-3)", "127", "(-128)", "42"});
            case SHORT:
                return "(short) " + pick(new String[] {"0", "2", "300", "(-7)", "32767", "(-32768)"});
            case CHAR:
                return pick(new String[] {"'a'", "'b'", "'c'", "'q'", "'Z'", "'0'", "' '"});
            case STRING:
                return pick(new String[] {"\"\"", "\"a\"", "\"b\"", "\"ab\"", "\"x1\"", "\"hello\"", "\"q\""});
            case OBJ:
                return "new Obj(" + e(T.INT, d - 1) + ", " + e(T.LONG, d - 1) + ", " + e(T.STRING, d - 1) + ")";
            default:
                return newArray(t, d);
        }
    }

    private String newArray(T t, int d) {
        T el = t.elem();
        if (el == T.STRING || r.nextBoolean()) {
            int n = 1 + r.nextInt(4);
            List<String> es = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                es.add(el == T.STRING ? store(el, e(el, d - 1)) : e(el, d - 1));
            }
            return "new " + el.java + "[] {" + String.join(", ", es) + "}";
        }
        String size;
        int k = r.nextInt(8);
        if (k == 0 && d > 0) {
            size = "Math.floorMod(" + e(T.INT, d - 1) + ", 6)";
        } else if (k == 1 && d > 0) {
            size = "(" + e(T.INT, d - 1) + " % 5)"; // may be negative: NegativeArraySizeException
        } else {
            size = Integer.toString(r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(5));
        }
        return "new " + el.java + "[" + size + "]";
    }

    /** An index for array {@code a} (an expression that can be evaluated twice without side effects). */
    private String index(String a, int d) {
        switch (r.nextInt(10)) {
            case 0: case 1: case 2: case 3: case 4: case 5:
                return "Math.floorMod(" + e(T.INT, d) + ", " + a + ".length)";
            case 6:
                return "(" + e(T.INT, d) + " & " + (r.nextBoolean() ? "3)" : "1)");
            default:
                return "0";
        }
    }

    private String arrayRead(T at, int d) {
        Var a = pickVar(at, false);
        if (a != null && r.nextInt(5) != 0) {
            return a.expr + "[" + index(a.expr, d - 1) + "]";
        }
        return "(" + e(at, d - 1) + ")[" + (r.nextInt(5) != 0 ? "0" : "(" + e(T.INT, d - 1) + " & 1)") + "]";
    }

    private String objOperand(int d) {
        Var o = pickVar(T.OBJ, false);
        if (o != null && r.nextInt(4) != 0) {
            return o.expr;
        }
        return "(" + e(T.OBJ, d) + ")";
    }

    private String ternary(T t, int d) {
        return "(" + e(T.BOOLEAN, d - 1) + " ? " + e(t, d - 1) + " : " + e(t, d - 1) + ")";
    }

    /** A call to a later generated method returning t, or null if there is none. */
    private String callOf(T t, int d) {
        List<Sig> cs = callees(t, false);
        return cs.isEmpty() ? null : call(pick(cs), d - 1);
    }

    private List<Sig> callees(T ret, boolean any) {
        List<Sig> cs = new ArrayList<>();
        if (cur == null) {
            return cs;
        }
        for (Sig s : sigs) {
            if (s.index > cur.index && (any || s.ret == ret)) {
                cs.add(s);
            }
        }
        return cs;
    }

    private String call(Sig s, int d) {
        List<String> args = new ArrayList<>();
        if (s.isStatic) {
            args.add("c");
        }
        for (T p : s.params) {
            args.add(e(p, d));
        }
        String target;
        if (s.isStatic) {
            target = r.nextInt(4) == 0 ? "@NAME@." : "";
        } else if (cur.isStatic) {
            target = "c.p.";
        } else {
            target = r.nextBoolean() ? "this." : "";
        }
        return target + s.name + "(" + String.join(", ", args) + ")";
    }

    /** An assignment or increment used as an expression: a side effect in the middle of an evaluation. */
    private String sideEffect(T t, int d) {
        Var v = pickVar(t, true);
        if (v == null) {
            return null;
        }
        switch (r.nextInt(6)) {
            case 0: return "(" + v.expr + "++)";
            case 1: return "(++" + v.expr + ")";
            case 2: return "(" + v.expr + "--)";
            case 3: return "(" + v.expr + " = " + e(t, d - 1) + ")";
            default: return "(" + v.expr + " += " + e(t, d - 1) + ")";
        }
    }

    /** A switch expression of type t. */
    private String switchExpr(T t, int d) {
        String[] sel = selector(d - 1);
        List<String> labels = new ArrayList<>(List.of(sel).subList(1, sel.length));
        Collections.shuffle(labels, r);
        StringBuilder s = new StringBuilder("(switch (" + sel[0] + ") {\n");
        int cases = 1 + r.nextInt(3);
        int used = 0;
        for (int i = 0; i < cases && used < labels.size(); i++) {
            List<String> ls = new ArrayList<>();
            int n = 1 + r.nextInt(2);
            for (int k = 0; k < n && used < labels.size(); k++) {
                ls.add(labels.get(used++));
            }
            s.append(indent(ind + 1)).append("case ").append(String.join(", ", ls)).append(" -> ")
                    .append(arm(t, d, true)).append('\n');
        }
        s.append(indent(ind + 1)).append("default -> ").append(arm(t, d, false)).append('\n');
        s.append(indent(ind)).append("})");
        return s.toString();
    }

    private String arm(T t, int d, boolean mayThrow) {
        int k = r.nextInt(6);
        if (k == 0 && stmtBudget > 0) {
            // a block with statements, yielding at its end; no jumps out of the switch expression
            StringBuilder saved = out;
            int savedInd = ind;
            out = new StringBuilder();
            ind = ind + 2;
            inSwitchExpression++;
            block(1, new Flow(false, false, Collections.emptyList()), 1 + r.nextInt(3));
            String y = fresh("y");
            line(t.java + " " + y + " = " + e(t, d - 1) + ";");
            line("yield " + y + ";");
            inSwitchExpression--;
            String body = out.toString();
            out = saved;
            ind = savedInd;
            return "{\n" + body + indent(ind + 1) + "}";
        }
        if (k == 1 && mayThrow) {
            return "throw new GenEx(" + label() + " + " + e(T.INT, d - 1) + ");";
        }
        return e(t, d - 1) + ";";
    }

    private static String indent(int n) {
        return "    ".repeat(n);
    }

    private String eInt(int d) {
        String s;
        switch (r.nextInt(28)) {
            case 24: case 25: {
                String op = selfPrefix + "ops[Math.floorMod(" + e(T.INT, d - 1) + ", 4)]";
                return op + (r.nextInt(3) == 0 ? ".twice(" : ".apply(") + e(T.INT, d - 1) + ")";
            }
            case 26:
                // a leaf that throws right after it resumes, now and then
                return "sX(" + e(T.INT, d - 1) + ")";
            case 27: {
                List<String> xs = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    xs.add(e(T.INT, d - 1));
                }
                return "sum(" + String.join(", ", xs) + ")";
            }
            case 0: case 1: case 2: case 3: case 4: {
                String op = pick(new String[] {"+", "-", "*", "&", "|", "^", "+", "-", "<<", ">>", ">>>", "/", "%"});
                if (op.equals("/") || op.equals("%")) {
                    String div = r.nextInt(10) == 0 ? e(T.INT, d - 1) : "(" + e(T.INT, d - 1) + " | 1)";
                    return "(" + e(T.INT, d - 1) + " " + op + " " + div + ")";
                }
                return "(" + e(T.INT, d - 1) + " " + op + " " + e(T.INT, d - 1) + ")";
            }
            case 5:
                return "(" + pick(new String[] {"-", "~"}) + e(T.INT, d - 1) + ")";
            case 6: {
                T from = pick(new T[] {T.LONG, T.FLOAT, T.DOUBLE, T.BYTE, T.SHORT, T.CHAR});
                return "((int) " + e(from, d - 1) + ")";
            }
            case 7:
                return ternary(T.INT, d);
            case 8: case 9:
                s = callOf(T.INT, d);
                return s != null ? s : "(" + e(T.INT, d - 1) + " + " + e(T.INT, d - 1) + ")";
            case 10:
                return arrayRead(T.INT_A, d);
            case 11: {
                if (r.nextBoolean()) {
                    return "(" + e(pick(ARRAYS), d - 1) + ").length";
                }
                return "(" + e(T.STRING, d - 1) + ").length()";
            }
            case 12: case 13:
                s = sideEffect(T.INT, d);
                return s != null ? s : "(" + e(T.INT, d - 1) + " * " + e(T.INT, d - 1) + ")";
            case 14: {
                String o = objOperand(d - 1);
                switch (r.nextInt(3)) {
                    case 0: return o + ".a";
                    case 1: return o + ".addA(" + e(T.INT, d - 1) + ")";
                    default: return o + ".sum()";
                }
            }
            case 15:
                switch (r.nextInt(7)) {
                    case 0: return "Math.max(" + e(T.INT, d - 1) + ", " + e(T.INT, d - 1) + ")";
                    case 1: return "Math.min(" + e(T.INT, d - 1) + ", " + e(T.INT, d - 1) + ")";
                    case 2: return "Integer.compare(" + e(T.INT, d - 1) + ", " + e(T.INT, d - 1) + ")";
                    case 3: return "Long.compare(" + e(T.LONG, d - 1) + ", " + e(T.LONG, d - 1) + ")";
                    case 4: return "Double.compare(" + e(T.DOUBLE, d - 1) + ", " + e(T.DOUBLE, d - 1) + ")";
                    case 5: return "Integer.bitCount(" + e(T.INT, d - 1) + ")";
                    default: return "(" + e(T.STRING, d - 1) + ").compareTo(" + e(T.STRING, d - 1) + ")";
                }
            case 16:
                return switchExpr(T.INT, d);
            case 17:
                return "(" + e(T.CHAR, d - 1) + " - 'a')";
            case 18: {
                Var a = pickVar(T.INT_A, true);
                if (a != null) {
                    return "(" + a.expr + "[" + index(a.expr, d - 1) + "]" + (r.nextBoolean() ? "++" : "--") + ")";
                }
                return "(" + e(T.SHORT, d - 1) + " + " + e(T.BYTE, d - 1) + ")";
            }
            case 19:
                if (r.nextInt(12) == 0) {
                    return "Integer.parseInt(" + e(T.STRING, d - 1) + ")";
                }
                return "(" + e(T.STRING, d - 1) + ").indexOf(" + e(T.CHAR, d - 1) + ")";
            default: {
                String op = pick(new String[] {"+", "-", "*", "^"});
                return "(" + e(T.INT, d - 1) + " " + op + " " + e(T.INT, d - 1) + ")";
            }
        }
    }

    private String eLong(int d) {
        String s;
        switch (r.nextInt(19)) {
            case 18:
                return "rec(" + e(T.INT, d - 1) + " & 7, " + e(T.LONG, d - 1) + ")";
            case 0: case 1: case 2: case 3: {
                String op = pick(new String[] {"+", "-", "*", "&", "|", "^", "<<", ">>", ">>>", "/", "%"});
                T right = r.nextBoolean() ? T.LONG : T.INT;
                if (op.equals("/") || op.equals("%")) {
                    String div = r.nextInt(10) == 0 ? e(right, d - 1) : "(" + e(right, d - 1) + " | 1)";
                    return "(" + e(T.LONG, d - 1) + " " + op + " " + div + ")";
                }
                return "(" + e(T.LONG, d - 1) + " " + op + " " + e(right, d - 1) + ")";
            }
            case 4:
                return "(-" + e(T.LONG, d - 1) + ")";
            case 5: {
                T from = pick(new T[] {T.INT, T.FLOAT, T.DOUBLE, T.CHAR});
                return "((long) " + e(from, d - 1) + ")";
            }
            case 6:
                return ternary(T.LONG, d);
            case 7: case 8:
                s = callOf(T.LONG, d);
                return s != null ? s : "(" + e(T.LONG, d - 1) + " + " + e(T.INT, d - 1) + ")";
            case 9:
                return arrayRead(T.LONG_A, d);
            case 10: case 11:
                s = sideEffect(T.LONG, d);
                return s != null ? s : "(" + e(T.LONG, d - 1) + " * " + e(T.LONG, d - 1) + ")";
            case 12: {
                String o = objOperand(d - 1);
                return r.nextBoolean() ? o + ".b" : o + ".mixB(" + e(T.LONG, d - 1) + ")";
            }
            case 13:
                switch (r.nextInt(4)) {
                    case 0: return "Math.max(" + e(T.LONG, d - 1) + ", " + e(T.LONG, d - 1) + ")";
                    case 1: return "Long.rotateLeft(" + e(T.LONG, d - 1) + ", " + e(T.INT, d - 1) + ")";
                    case 2: return "Math.floorMod(" + e(T.LONG, d - 1) + ", (" + e(T.LONG, d - 1) + " | 1L))";
                    default: return "Long.reverse(" + e(T.LONG, d - 1) + ")";
                }
            case 14:
                return switchExpr(T.LONG, d);
            default:
                return "(" + e(T.LONG, d - 1) + " + " + e(T.INT, d - 1) + ")";
        }
    }

    private String eFloat(int d) {
        String s;
        switch (r.nextInt(14)) {
            case 0: case 1: case 2: case 3: {
                String op = pick(new String[] {"+", "-", "*", "/", "%"});
                T right = r.nextInt(3) == 0 ? T.INT : T.FLOAT;
                return "(" + e(T.FLOAT, d - 1) + " " + op + " " + e(right, d - 1) + ")";
            }
            case 4:
                return "(-" + e(T.FLOAT, d - 1) + ")";
            case 5:
                return "((float) " + e(pick(new T[] {T.INT, T.LONG, T.DOUBLE}), d - 1) + ")";
            case 6:
                return ternary(T.FLOAT, d);
            case 7: case 8:
                s = callOf(T.FLOAT, d);
                return s != null ? s : "(" + e(T.FLOAT, d - 1) + " * " + e(T.FLOAT, d - 1) + ")";
            case 9:
                return arrayRead(T.FLOAT_A, d);
            case 10:
                s = sideEffect(T.FLOAT, d);
                return s != null ? s : "(" + e(T.FLOAT, d - 1) + " - " + e(T.INT, d - 1) + ")";
            case 11:
                switch (r.nextInt(3)) {
                    case 0: return "Math.abs(" + e(T.FLOAT, d - 1) + ")";
                    case 1: return "Math.max(" + e(T.FLOAT, d - 1) + ", " + e(T.FLOAT, d - 1) + ")";
                    default: return "Math.min(" + e(T.FLOAT, d - 1) + ", " + e(T.FLOAT, d - 1) + ")";
                }
            case 12:
                return switchExpr(T.FLOAT, d);
            default:
                return "(" + e(T.FLOAT, d - 1) + " + " + e(T.FLOAT, d - 1) + ")";
        }
    }

    private String eDouble(int d) {
        String s;
        switch (r.nextInt(15)) {
            case 0: case 1: case 2: case 3: {
                String op = pick(new String[] {"+", "-", "*", "/", "%"});
                T right = pick(new T[] {T.DOUBLE, T.DOUBLE, T.INT, T.LONG, T.FLOAT});
                return "(" + e(T.DOUBLE, d - 1) + " " + op + " " + e(right, d - 1) + ")";
            }
            case 4:
                return "(-" + e(T.DOUBLE, d - 1) + ")";
            case 5:
                return "((double) " + e(pick(new T[] {T.INT, T.LONG, T.FLOAT}), d - 1) + ")";
            case 6:
                return ternary(T.DOUBLE, d);
            case 7: case 8:
                s = callOf(T.DOUBLE, d);
                return s != null ? s : "(" + e(T.DOUBLE, d - 1) + " * " + e(T.INT, d - 1) + ")";
            case 9:
                return arrayRead(T.DOUBLE_A, d);
            case 10:
                s = sideEffect(T.DOUBLE, d);
                return s != null ? s : "(" + e(T.DOUBLE, d - 1) + " / " + e(T.DOUBLE, d - 1) + ")";
            case 11:
                switch (r.nextInt(3)) {
                    case 0: return "Math.sqrt(Math.abs(" + e(T.DOUBLE, d - 1) + "))";
                    case 1: return "Math.max(" + e(T.DOUBLE, d - 1) + ", " + e(T.DOUBLE, d - 1) + ")";
                    default: return objOperand(d - 1) + ".d";
                }
            case 12:
                return switchExpr(T.DOUBLE, d);
            default:
                return "(" + e(T.DOUBLE, d - 1) + " + " + e(T.DOUBLE, d - 1) + ")";
        }
    }

    private String eBool(int d) {
        String s;
        switch (r.nextInt(20)) {
            case 0: case 1: case 2: case 3: case 4: {
                T a = pick(NUMERIC);
                T b = r.nextBoolean() ? a : pick(NUMERIC);
                String op = pick(new String[] {"<", "<=", ">", ">=", "==", "!="});
                return "(" + e(a, d - 1) + " " + op + " " + e(b, d - 1) + ")";
            }
            case 5: case 6:
                return "(" + e(T.BOOLEAN, d - 1) + " " + pick(new String[] {"&&", "||"}) + " " + e(T.BOOLEAN, d - 1)
                        + ")";
            case 7:
                return "(" + e(T.BOOLEAN, d - 1) + " " + pick(new String[] {"^", "&", "|", "==", "!="}) + " "
                        + e(T.BOOLEAN, d - 1) + ")";
            case 8:
                return "(!" + e(T.BOOLEAN, d - 1) + ")";
            case 9: {
                switch (r.nextInt(4)) {
                    case 0: return "(" + e(T.STRING, d - 1) + ").isEmpty()";
                    case 1: return "(" + e(T.STRING, d - 1) + ").equals(" + e(T.STRING, d - 1) + ")";
                    case 2: return "(" + e(T.STRING, d - 1) + ").startsWith(" + e(T.STRING, d - 1) + ")";
                    default: return "(" + e(T.STRING, d - 1) + ").contains(" + e(T.STRING, d - 1) + ")";
                }
            }
            case 10:
                return ternary(T.BOOLEAN, d);
            case 11: case 12:
                s = callOf(T.BOOLEAN, d);
                return s != null ? s : "(" + e(T.INT, d - 1) + " % 2 == 0)";
            case 13:
                return arrayRead(T.BOOLEAN_A, d);
            case 14: {
                Var v = pickVar(T.BOOLEAN, true);
                if (v != null) {
                    return "(" + v.expr + " " + pick(new String[] {"=", "^=", "|="}) + " " + e(T.BOOLEAN, d - 1) + ")";
                }
                return "(" + e(T.LONG, d - 1) + " > " + e(T.INT, d - 1) + ")";
            }
            case 15:
                switch (r.nextInt(3)) {
                    case 0: return "Double.isNaN(" + e(T.DOUBLE, d - 1) + ")";
                    case 1: return "(" + e(T.OBJ, d - 1) + " == " + objOperand(d - 1) + ")";
                    default: {
                        String pv = fresh("pv");
                        return "(sA((Object) " + e(T.STRING, d - 1) + ") instanceof String " + pv + " && " + pv
                                + ".length() > " + e(T.INT, d - 1) + ")";
                    }
                }
            case 16:
                return switchExpr(T.BOOLEAN, d);
            default:
                return "(" + e(T.INT, d - 1) + " < " + e(T.INT, d - 1) + ")";
        }
    }

    private String eSmall(T t, int d) {
        String s;
        switch (r.nextInt(8)) {
            case 0: case 1:
                return "((" + t.java + ") " + e(r.nextBoolean() ? T.INT : T.LONG, d - 1) + ")";
            case 2:
                return ternary(t, d);
            case 3:
                s = callOf(t, d);
                return s != null ? s : "((" + t.java + ") (" + e(t, d - 1) + " * 3))";
            case 4:
                return arrayRead(t == T.BYTE ? T.BYTE_A : T.SHORT_A, d);
            case 5:
                return switchExpr(t, d);
            default:
                return "((" + t.java + ") (" + e(t, d - 1) + " + " + e(T.INT, d - 1) + "))";
        }
    }

    private String eChar(int d) {
        String s;
        switch (r.nextInt(9)) {
            case 0: case 1:
                return "((char) ('a' + (" + e(T.INT, d - 1) + " & 15)))";
            case 2: {
                Var v = pickVar(T.STRING, false);
                if (v != null && r.nextBoolean()) {
                    return v.expr + ".charAt(Math.floorMod(" + e(T.INT, d - 1) + ", " + v.expr + ".length()))";
                }
                return "(" + e(T.STRING, d - 1) + ").charAt(" + e(T.INT, d - 1) + " & 1)";
            }
            case 3:
                return arrayRead(T.CHAR_A, d);
            case 4:
                return ternary(T.CHAR, d);
            case 5:
                s = callOf(T.CHAR, d);
                return s != null ? s : "Character.toUpperCase(" + e(T.CHAR, d - 1) + ")";
            case 6:
                return "Character.toUpperCase(" + e(T.CHAR, d - 1) + ")";
            case 7:
                return switchExpr(T.CHAR, d);
            default:
                return "((char) (" + e(T.CHAR, d - 1) + " + 1))";
        }
    }

    private String eString(int d) {
        String s;
        switch (r.nextInt(22)) {
            case 0: case 1: case 2: case 3:
                return "(" + e(T.STRING, d - 1) + " + " + e(pick(PRIMS_AND_STRING), d - 1) + ")";
            case 4: case 5:
                return "(\"" + (char) ('a' + r.nextInt(26)) + "\" + " + e(pick(PRIMS_AND_STRING), d - 1) + " + "
                        + e(pick(PRIMS_AND_STRING), d - 1) + ")";
            case 6:
                return "String.valueOf(" + e(pick(PRIMS_AND_STRING), d - 1) + ")";
            case 7:
                return r.nextBoolean() ? "Integer.toHexString(" + e(T.INT, d - 1) + ")"
                        : "Long.toString(" + e(T.LONG, d - 1) + ")";
            case 8:
                if (r.nextBoolean()) {
                    Var v = pickVar(T.STRING, false);
                    if (v != null) {
                        return v.expr + ".substring(Math.min(" + e(T.INT, d - 1) + " & 7, " + v.expr + ".length()))";
                    }
                }
                return "(" + e(T.STRING, d - 1) + ").substring(" + e(T.INT, d - 1) + " & 1)";
            case 9:
                return r.nextBoolean() ? "(" + e(T.STRING, d - 1) + ").concat(" + e(T.STRING, d - 1) + ")"
                        : "(" + e(T.STRING, d - 1) + ").replace('a', " + e(T.CHAR, d - 1) + ")";
            case 10:
                return "java.util.Arrays.toString(" + e(pick(ARRAYS), d - 1) + ")";
            case 11: {
                String o = objOperand(d - 1);
                switch (r.nextInt(3)) {
                    case 0: return o + ".tag(" + e(T.STRING, d - 1) + ")";
                    case 1: return o + ".s";
                    default: return o + ".describe()";
                }
            }
            case 12:
                return arrayRead(T.STRING_A, d);
            case 13:
                return ternary(T.STRING, d);
            case 14: case 15:
                s = callOf(T.STRING, d);
                return s != null ? s : "(" + e(T.STRING, d - 1) + " + " + e(T.INT, d - 1) + ")";
            case 16:
                return switchExpr(T.STRING, d);
            case 17:
                return "String.join(\"-\", " + e(T.STRING, d - 1) + ", " + e(T.STRING, d - 1) + ", "
                        + e(T.STRING, d - 1) + ")";
            case 18:
                return "new StringBuilder(" + e(T.STRING, d - 1) + ").append(" + e(pick(PRIMS_AND_STRING), d - 1)
                        + ").reverse().toString()";
            default:
                return "(" + e(pick(PRIMS_AND_STRING), d - 1) + " + \"" + (char) ('a' + r.nextInt(26)) + "\" + "
                        + e(pick(PRIMS_AND_STRING), d - 1) + ")";
        }
    }

    private String eObj(int d) {
        String s;
        switch (r.nextInt(5)) {
            case 0:
                return ternary(T.OBJ, d);
            case 1:
                s = callOf(T.OBJ, d);
                return s != null ? s : literal(T.OBJ, d);
            default:
                return literal(T.OBJ, d);
        }
    }

    private String eArray(T t, int d) {
        String s;
        switch (r.nextInt(7)) {
            case 0:
                return ternary(t, d);
            case 1:
                s = callOf(t, d);
                return s != null ? s : newArray(t, d);
            case 2:
                return "(" + e(t, d - 1) + ").clone()";
            case 5:
                if (t != T.STRING_A) {
                    // a two-dimensional array: MULTIANEWARRAY with both dimensions on the operand stack
                    if (r.nextBoolean()) {
                        return "(new " + t.elem().java + "[1 + (" + e(T.INT, d - 1) + " & 1)][" + e(T.INT, d - 1)
                                + " & 3])[0]";
                    }
                    return "(new " + t.elem().java + "[][] {" + newArray(t, d - 1) + ", " + newArray(t, d - 1) + "})["
                            + e(T.INT, d - 1) + " & 1]";
                }
                return newArray(t, d);
            case 3:
                if (t != T.STRING_A) {
                    return "java.util.Arrays.copyOf(" + e(t, d - 1) + ", Math.floorMod(" + e(T.INT, d - 1) + ", 6))";
                }
                return newArray(t, d);
            default:
                return newArray(t, d);
        }
    }

    // ---- choices -------------------------------------------------------------------------------------------------

    private T randomType() {
        int k = r.nextInt(40);
        if (k < 8) return T.INT;
        if (k < 12) return T.LONG;
        if (k < 14) return T.FLOAT;
        if (k < 17) return T.DOUBLE;
        if (k < 21) return T.BOOLEAN;
        if (k < 22) return T.BYTE;
        if (k < 23) return T.SHORT;
        if (k < 25) return T.CHAR;
        if (k < 30) return T.STRING;
        if (k < 32) return T.OBJ;
        if (k < 34) return T.INT_A;
        return pick(ARRAYS);
    }

    private Var pickVar(T t, boolean assignable) {
        List<Var> vs = new ArrayList<>();
        for (Var v : scope) {
            if ((t == null || v.type == t) && (!assignable || v.assignable)) {
                vs.add(v);
            }
        }
        return vs.isEmpty() ? null : vs.get(r.nextInt(vs.size()));
    }

    private Var pickArrayVar() {
        List<Var> vs = new ArrayList<>();
        for (Var v : scope) {
            if (v.type.isArray()) {
                vs.add(v);
            }
        }
        return vs.isEmpty() ? null : vs.get(r.nextInt(vs.size()));
    }

    private <X> X pick(X[] xs) {
        return xs[r.nextInt(xs.length)];
    }

    private <X> X pick(List<X> xs) {
        return xs.get(r.nextInt(xs.size()));
    }
}
