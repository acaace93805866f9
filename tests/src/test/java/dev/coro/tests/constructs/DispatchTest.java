package dev.coro.tests.constructs;

import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.CoroutineCallable;
import dev.coro.CoroutineRunnable;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.sus;
import static dev.coro.tests.constructs.Sus.susD;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susJ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every way to reach a coroutine method: static, instance, private, interface default/static/private, super calls,
 * abstract methods, overrides without the annotation, bridges (generic and covariant), anonymous and inner classes,
 * enum constant bodies, method references and lambdas.
 */
class DispatchTest extends CoroTest {

    // ---- instance methods ----

    static class Counter {
        int value;
        final List<String> log;

        Counter(int value, List<String> log) {
            this.value = value;
            this.log = log;
        }

        @Coroutine
        int addTwice(int x) {
            value += susI(x);
            log.add("between " + value);
            pause();
            value += x;
            return value + priv(x);
        }

        @Coroutine
        private int priv(int x) { // private: invoked with invokespecial (or invokevirtual for nestmates)
            return susI(x * 100);
        }
    }

    @Test
    void instanceMethodsKeepTheirReceiverAndFields() {
        List<String> la = new ArrayList<>();
        List<String> lb = new ArrayList<>();
        Counter a = new Counter(1, la);
        Counter b = new Counter(1000, lb);
        assertEquals(List.of(1 + 5 + 5 + 500, 1000 + 7 + 7 + 700),
                concurrently(() -> a.addTwice(5), () -> b.addTwice(7)));
        assertEquals(List.of("between 6"), la);
        assertEquals(List.of("between 1007"), lb);
    }

    static class Outer {
        @Coroutine
        static String callNestmatePrivates() {
            Nested n = new Nested("n");
            return Nested.secretStatic(1) + n.secretInstance(2);
        }

        static class Nested {
            private final String name;

            Nested(String name) {
                this.name = name;
            }

            @Coroutine
            private static String secretStatic(int k) {
                return "s" + susI(k);
            }

            @Coroutine
            private String secretInstance(int k) {
                pause();
                return name + k;
            }
        }
    }

    @Test
    void privateMethodsOfNestmatesAreSuspensionPoints() {
        assertEquals(List.of("s1n2", "s1n2"), concurrently(Outer::callNestmatePrivates, Outer::callNestmatePrivates));
    }

    // ---- interface default, static and private methods ----

    interface Greeter {
        String prefix();

        @Coroutine
        default String greet(String name) {
            String p = prefix();
            String n = sus(name);
            return decorate(p + n) + suffix();
        }

        @Coroutine
        default String suffix() {
            pause();
            return "!";
        }

        @Coroutine
        private String decorate(String s) {
            return sus("<") + s + ">";
        }

        @Coroutine
        static String greetAll(List<? extends Greeter> gs, String name) {
            StringBuilder sb = new StringBuilder();
            for (Greeter g : gs) {
                sb.append(g.greet(name)).append(' ');
            }
            return sb.toString().trim();
        }
    }

    static class Hello implements Greeter {
        @Override
        public String prefix() {
            return "hello ";
        }
    }

    static class LoudHello implements Greeter {
        @Override
        public String prefix() {
            return "HEY ";
        }

        @Override
        public String suffix() { // overrides a @Coroutine default method without the annotation
            return sus("!!!");
        }
    }

    static class Polite implements Greeter {
        @Override
        public String prefix() {
            return "hello ";
        }

        @Override
        public String greet(String name) { // interface super call: invokespecial on an interface method
            return "dear " + Greeter.super.greet(sus(name));
        }
    }

    @Test
    void interfaceDefaultStaticAndPrivateMethodsSuspend() {
        List<Greeter> gs = List.of(new Hello(), new LoudHello(), new Polite());
        assertEquals(List.of("<hello bob>! <HEY bob>!!! dear <hello bob>!", "<HEY al>!!!"),
                concurrently(() -> Greeter.greetAll(gs, "bob"), () -> new LoudHello().greet("al")));
    }

    // ---- super calls, overriding without annotation, virtual dispatch ----

    static class Base {
        @Coroutine
        String describe(int n) {
            pause();
            return "base" + n;
        }
    }

    static class Derived extends Base {
        @Override
        String describe(int n) { // no annotation: still a coroutine because it overrides one
            String s = super.describe(susI(n + 1)); // invokespecial of a coroutine
            return sus("derived(") + s + ")";
        }
    }

    static class MoreDerived extends Derived {
        @Override
        String describe(int n) {
            return "more[" + super.describe(n) + "]";
        }
    }

    @Test
    void superCallsAndOverridesWithoutAnnotationSuspend() {
        Base b = new MoreDerived();
        Base d = new Derived();
        assertEquals(List.of("more[derived(base2)]", "derived(base11)", "base5"),
                concurrently(() -> b.describe(1), () -> d.describe(10), () -> new Base().describe(5)));
    }

    // ---- abstract classes ----

    abstract static class Shape {
        @Coroutine
        abstract double area();

        @Coroutine
        double twice() {
            double a = area(); // virtual call to an abstract coroutine
            pause();
            return a * 2;
        }
    }

    static class Sq extends Shape {
        final double side;

        Sq(double side) {
            this.side = side;
        }

        @Override
        double area() {
            return susD(side) * side;
        }
    }

    static class Tri extends Shape {
        @Override
        double area() {
            pause();
            return 0.5;
        }
    }

    @Test
    void abstractCoroutineMethodsImplementedWithoutAnnotation() {
        assertEquals(List.of(18.0, 1.0), concurrently(() -> new Sq(3).twice(), () -> new Tri().twice()));
    }

    // ---- bridges ----

    interface Handler<T> {
        @Coroutine
        String handle(T t);
    }

    static class S implements Handler<String> { // javac adds the bridge handle(Object) -> handle(String)
        @Override
        public String handle(String s) {
            Coro.yield();
            return s.toUpperCase();
        }
    }

    static class Factory {
        @Coroutine
        Object make(int n) {
            pause();
            return n;
        }
    }

    static class StringFactory extends Factory {
        @Override
        String make(int n) { // covariant return: bridge Object make(int) -> String make(int)
            return sus("s" + n);
        }
    }

    abstract static class Transformer<A, B> {
        @Coroutine
        abstract B apply(A a);

        @Coroutine
        B applyTwice(A a, A b) {
            B first = apply(a);
            B second = apply(b);
            return sus(second).equals(first) ? first : second;
        }
    }

    static class Len extends Transformer<String, Integer> {
        @Override
        Integer apply(String s) {
            return susI(s.length());
        }
    }

    @Test
    void genericAndCovariantBridgesPassTheSuspensionThrough() {
        Handler<String> h = new S();
        Factory f = new StringFactory();
        Transformer<String, Integer> t = new Len();
        Handler<Integer> lambda = i -> {
            pause();
            return "#" + i;
        };
        assertEquals(List.of("ABC", "DIRECT", "s3", "s4", 5, 2, "#9"),
                concurrently(() -> h.handle("abc"), () -> new S().handle("direct"), () -> f.make(3),
                        () -> new StringFactory().make(4), () -> t.apply("hello"), () -> t.applyTwice("ab", "cd"),
                        () -> lambda.handle(9)));
    }

    // ---- records, enums with constant bodies ----

    record Named(String name) implements Handler<Integer> {
        @Override
        public String handle(Integer k) {
            return name + susI(k);
        }
    }

    enum Op {
        ADD {
            @Override
            long apply(long a, long b) {
                return susJ(a) + b;
            }
        },
        MUL {
            @Override
            long apply(long a, long b) {
                pause();
                return a * susJ(b);
            }
        };

        @Coroutine
        abstract long apply(long a, long b);
    }

    @Test
    void recordsAndEnumConstantBodiesImplementCoroutines() {
        Handler<Integer> n = new Named("rec");
        assertEquals(List.of("rec7", 5_000_000_002L, 6_000_000_000L),
                concurrently(() -> n.handle(7), () -> Op.ADD.apply(5_000_000_000L, 2),
                        () -> Op.MUL.apply(3, 2_000_000_000L)));
    }

    // ---- anonymous and inner classes ----

    @Test
    void anonymousClassImplementingCoroutineCallable() {
        int base = 5;
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CoroutineCallable<Integer> anon = new CoroutineCallable<>() {
            int calls;

            @Override
            public Integer call() { // no annotation needed: implements a @Coroutine method
                int mine = ++calls;
                log.add("before" + mine);
                int v = susI(base);
                log.add("after" + mine + "/" + calls);
                return v * 10 + mine;
            }
        };
        List<Object> r = concurrently(anon, anon);
        assertEquals(List.of(51, 52), r); // locals are per task; the field is shared by both
        assertEquals(List.of("before1", "before2", "after1/2", "after2/2"), log);
    }

    private int outerField = 3;

    class Inner implements CoroutineRunnable {
        final List<String> out;

        Inner(List<String> out) {
            this.out = out;
        }

        @Override
        public void run() {
            outerField += susI(4); // the outer instance survives: this.this$0
            out.add("inner " + outerField);
        }
    }

    @Test
    void innerClassImplementingCoroutineRunnableReachesTheOuterInstance() {
        List<String> out = new ArrayList<>();
        Coro.run(new Inner(out));
        Coro.run(new Inner(out));
        assertEquals(List.of("inner 7", "inner 11"), out);
    }

    // ---- method references and lambdas ----

    static class Worker {
        final String name;
        final List<String> log;

        Worker(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        String unannotatedWork() { // a method reference target: instrumented without the annotation
            log.add(name + "1");
            Coro.yield();
            log.add(name + "2");
            return name;
        }

        @Coroutine
        String annotatedWork() {
            log.add(name + "1");
            Coro.yield();
            log.add(name + "2");
            return name.toUpperCase();
        }

        static String staticWork() {
            Coro.yield();
            Coro.yield();
            return "static";
        }
    }

    final List<String> methodRefLog = Collections.synchronizedList(new ArrayList<>());

    String work() {
        methodRefLog.add("this1");
        Coro.yield();
        methodRefLog.add("this2");
        return "this";
    }

    @Test
    void methodReferencesToInstanceStaticAndUnannotatedTargetsSuspend() {
        List<String> log = methodRefLog;
        Worker a = new Worker("a", log);
        Worker b = new Worker("b", log);
        List<Object> r = Coro.run(() -> {
            Task<String> t1 = Coro.spawn(a::unannotatedWork);
            Task<String> t2 = Coro.spawn(b::annotatedWork);
            Task<String> t3 = Coro.spawn(this::work);
            Task<String> t4 = Coro.spawn(Worker::staticWork);
            return List.of(t1.join(), t2.join(), t3.join(), t4.join());
        });
        assertEquals(List.of("a", "B", "this", "static"), r);
        // real suspensions interleave the three logging bodies
        assertEquals(List.of("a1", "b1", "this1", "a2", "b2", "this2"), log);
    }

    private final String field = "F";

    @Test
    void lambdasCapturingLocalsOfEveryKindAndThis() {
        long big = 1L << 40;
        double d = 2.5;
        int i = 7;
        String s = "cap";
        char c = 'z';
        List<Object> r = concurrently(
                () -> {
                    pause();
                    return s + (big + i) + d + c + this.field;
                },
                () -> {
                    long local = susJ(big) + i;
                    return local * 2 + (long) susD(d);
                },
                () -> {
                    // a lambda spawning a lambda that captures the first lambda's local
                    int inner = susI(i * 3);
                    Task<String> t = Coro.spawn(() -> sus(s) + inner + field);
                    return t.join() + susI(inner);
                });
        assertEquals(List.of("cap" + ((1L << 40) + 7) + "2.5zF", ((1L << 40) + 7) * 2 + 2, "cap21F21"), r);
    }

    @Test
    void coroutineRunnableLambdaWithBlockBody() {
        List<String> log = new ArrayList<>();
        Coro.run(() -> {
            Task<Void> t = Coro.spawn(() -> {
                log.add("t1");
                Coro.yield();
                log.add("t2");
            });
            log.add("main1");
            Coro.yield();
            log.add("main2");
            t.join();
            log.add("main3");
        });
        assertEquals(List.of("main1", "t1", "main2", "t2", "main3"), log);
    }

    // ---- a higher-order coroutine through a user functional interface ----

    @FunctionalInterface
    interface CoFunction<A, B> {
        @Coroutine
        B apply(A a);
    }

    @Coroutine
    static <A, B> List<B> mapAll(List<A> xs, CoFunction<? super A, ? extends B> f) {
        List<B> out = new ArrayList<>();
        for (A x : xs) {
            out.add(f.apply(x));
        }
        return out;
    }

    static int triple(int x) { // target of a CoFunction method reference: instrumented
        pause();
        return x * 3;
    }

    static Integer tripleBoxed(Integer x) { // no adaptation needed by the lambda proxy
        pause();
        return x * 3;
    }

    @Test
    void userFunctionalInterfacesWithCoroutineMethodAcceptLambdasAndMethodReferences() {
        int offset = 100;
        assertEquals(List.of(List.of(101, 102, 103), List.of(3, 6), List.of("A", "B")),
                concurrently(() -> mapAll(List.of(1, 2, 3), x -> susI(x) + offset),
                        () -> mapAll(List.of(1, 2), DispatchTest::tripleBoxed),
                        () -> mapAll(List.of("a", "b"), (String x) -> sus(x).toUpperCase())));
    }

    @Test
    void methodReferenceTargetNeedingUnboxingIsResumedWithItsArgument() {
        // the lambda proxy for DispatchTest::triple unboxes the Integer argument before calling triple(int)
        assertEquals(List.of(List.of(3, 6)), concurrently(() -> mapAll(List.of(1, 2), DispatchTest::triple)));
    }

    @Test
    void unboundInstanceMethodReferenceIsResumedWithItsReceiver() {
        // Worker::unannotatedWork as a CoFunction<Worker, String>: the argument is the receiver of the target
        List<String> log = new ArrayList<>();
        List<Worker> ws = List.of(new Worker("p", log), new Worker("q", log));
        assertEquals(List.of(List.of("p", "q")), concurrently(() -> mapAll(ws, Worker::unannotatedWork)));
        assertEquals(List.of("p1", "p2", "q1", "q2"), log);
    }
}
