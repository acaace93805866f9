package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.sus;
import static dev.coro.tests.constructs.Sus.susJ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Records and a sealed hierarchy whose interface method is a coroutine, evaluated recursively. */
class RecordsAndSealedTest extends CoroTest {

    sealed interface Expr permits Num, Add, Mul, Neg {
        @Coroutine
        long eval();

        @Coroutine
        default String show() {
            pause();
            return render();
        }

        String render();
    }

    record Num(long v) implements Expr {
        @Override
        public long eval() {
            return susJ(v);
        }

        @Override
        public String render() {
            return Long.toString(v);
        }
    }

    record Add(Expr l, Expr r) implements Expr {
        @Override
        public long eval() {
            return l.eval() + r.eval(); // l.eval() is pending while r.eval() suspends
        }

        @Override
        public String render() {
            return "(" + l.render() + " + " + r.render() + ")";
        }
    }

    record Mul(Expr l, Expr r) implements Expr {
        @Override
        public long eval() {
            long a = l.eval();
            if (a == 0) {
                return 0; // short-circuit: r is never evaluated
            }
            return a * r.eval();
        }

        @Override
        public String render() {
            return l.render() + " * " + r.render();
        }
    }

    record Neg(Expr e) implements Expr {
        @Override
        public long eval() {
            return -e.eval();
        }

        @Override
        public String render() {
            return "-" + e.render();
        }
    }

    /** A static coroutine over the sealed hierarchy, with instanceof patterns. */
    @Coroutine
    static Expr simplify(Expr e) {
        if (e instanceof Add a) {
            Expr l = simplify(a.l());
            Expr r = simplify(a.r());
            if (l instanceof Num n && n.v() == 0) {
                return r;
            }
            if (r instanceof Num n && sus(n).v() == 0) {
                return l;
            }
            return new Add(l, r);
        } else if (e instanceof Mul m) {
            Expr l = simplify(m.l());
            if (l instanceof Num n && n.v() == 1) {
                return simplify(m.r());
            }
            return new Mul(l, simplify(m.r()));
        } else if (e instanceof Neg n && n.e() instanceof Neg inner) {
            return simplify(inner.e());
        } else if (e instanceof Neg n) {
            return new Neg(simplify(n.e()));
        }
        return new Num(susJ(((Num) e).v())); // a record constructed with a suspending argument
    }

    static Expr sample(long k) {
        return new Add(new Mul(new Num(1), new Neg(new Neg(new Num(k)))),
                new Add(new Num(0), new Mul(new Num(3), new Add(new Num(k), new Num(-2)))));
    }

    @Test
    void sealedInterfaceWithRecordImplementationsEvaluatesRecursively() {
        List<Object> r = concurrently(() -> sample(5).eval(), () -> sample(-4).eval(),
                () -> new Mul(new Num(0), new Num(9)).eval(), () -> sample(5).show());
        assertEquals(List.of(5 + 3 * (5 - 2L), -4 + 3 * (-4 - 2L), 0L,
                "(1 * --5 + (0 + 3 * (5 + -2)))"), r);
    }

    @Test
    void patternMatchingRewriteProducesEqualRecords() {
        List<Object> r = concurrently(() -> simplify(sample(7)), () -> simplify(sample(8)));
        Expr expected7 = new Add(new Num(7), new Mul(new Num(3), new Add(new Num(7), new Num(-2))));
        Expr expected8 = new Add(new Num(8), new Mul(new Num(3), new Add(new Num(8), new Num(-2))));
        assertEquals(List.of(expected7, expected8), r); // record equals over the whole tree
    }

    record Pair<A, B>(A first, B second) {
        @Coroutine
        Pair<B, A> swapped() {
            B s = sus(second);
            return new Pair<>(s, sus(first));
        }

        @Coroutine
        static <T> Pair<T, T> twice(T t) {
            return new Pair<>(sus(t), t);
        }
    }

    @Test
    void genericRecordInstanceAndStaticCoroutines() {
        assertEquals(List.of(new Pair<>(2, "one"), new Pair<>("x", "x")),
                concurrently(() -> new Pair<>("one", 2).swapped(), () -> Pair.twice("x")));
    }
}
