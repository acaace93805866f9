package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.sus;
import static dev.coro.tests.constructs.Sus.susD;
import static dev.coro.tests.constructs.Sus.susI;
import static dev.coro.tests.constructs.Sus.susJ;
import static dev.coro.tests.constructs.Sus.susZ;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Switch statements and expressions of every compiled shape, with suspensions in the selector and the arms. */
class SwitchTest extends CoroTest {

    // ---- tableswitch (dense keys) with fall-through ----

    @Coroutine
    static String dense(int k, List<String> log) {
        StringBuilder sb = new StringBuilder();
        switch (susI(k)) {
            case 0:
                sb.append("zero");
                break;
            case 1:
                sb.append(sus("one"));
                // fall through
            case 2:
                sb.append(susI(2));
                // fall through
            case 3:
                log.add("three:" + k);
                sb.append(sus("three"));
                break;
            case 4:
            case 5:
                sb.append("four-five");
                pause();
                sb.append(k);
                break;
            default:
                sb.append("default");
        }
        return sb.toString();
    }

    @Test
    void tableswitchWithFallThroughAcrossSuspensions() {
        List<String> log = new ArrayList<>();
        List<Object> r = concurrently(() -> dense(0, log), () -> dense(1, log), () -> dense(2, log),
                () -> dense(3, log), () -> dense(5, log), () -> dense(9, log));
        assertEquals(List.of("zero", "one2three", "2three", "three", "four-five5", "default"), r);
        assertEquals(3, log.size());
        assertEquals(List.of("three:1", "three:2", "three:3"), log.stream().sorted().toList());
    }

    // ---- lookupswitch (sparse keys) ----

    @Coroutine
    static long sparse(int k) {
        long acc = 1000L * k;
        switch (k) {
            case -5:
                acc += susJ(-5_000_000_000L);
                break;
            case 100:
                acc += susI(100);
                break;
            case 10_000:
                acc = acc * 3 + susJ(7);
                break;
            case Integer.MAX_VALUE:
                acc = susJ(acc) + 1;
                break;
            default:
                acc = -susJ(acc);
        }
        return acc;
    }

    @Test
    void lookupswitchArmsSuspendAndKeepAccumulator() {
        List<Object> r = concurrently(() -> sparse(-5), () -> sparse(100), () -> sparse(10_000),
                () -> sparse(Integer.MAX_VALUE), () -> sparse(42));
        assertEquals(List.of(-5000L - 5_000_000_000L, 100_000L + 100, 10_000_000L * 3 + 7,
                1000L * Integer.MAX_VALUE + 1, -42_000L), r);
    }

    // ---- strings, including a hash collision ("Aa" and "BB" have the same hashCode) ----

    @Coroutine
    static String onString(String s) {
        String out;
        switch (sus(s)) {
            case "alpha":
                out = "A" + susI(1);
                break;
            case "Aa":
                out = sus("collision-Aa");
                break;
            case "BB":
                pause();
                out = "collision-BB";
                break;
            case "":
                out = "empty";
                break;
            default:
                out = "other:" + sus(s.length());
        }
        return out;
    }

    @Test
    void stringSwitchWithHashCollisionsAndSuspendingSelector() {
        assertEquals("Aa".hashCode(), "BB".hashCode());
        List<Object> r = concurrently(() -> onString("alpha"), () -> onString("Aa"), () -> onString("BB"),
                () -> onString(""), () -> onString("Ab"));
        assertEquals(List.of("A1", "collision-Aa", "collision-BB", "empty", "other:2"), r);
    }

    // ---- enums ----

    enum Color { RED, GREEN, BLUE, ALPHA }

    @Coroutine
    static int onEnum(Color c, int w) {
        int r = w;
        switch (sus(c)) {
            case RED:
                r += susI(1);
                break;
            case GREEN:
                r *= susI(2);
                // fall through
            case BLUE:
                r -= susI(3);
                break;
            default:
                r = 0;
        }
        return r;
    }

    @Test
    void enumSwitchThroughSwitchMapWithSuspensions() {
        List<Object> r = concurrently(() -> onEnum(Color.RED, 10), () -> onEnum(Color.GREEN, 10),
                () -> onEnum(Color.BLUE, 10), () -> onEnum(Color.ALPHA, 10));
        assertEquals(List.of(11, 17, 7, 0), r);
    }

    // ---- switch expressions with yield ----

    @Coroutine
    static int switchExpression(int k) {
        int r = k * 1000 + switch (susI(k)) { // k * 1000 is pending on the operand stack
            case 1 -> susI(10);
            case 2 -> {
                int t = susI(20);
                yield t + 1;
            }
            case 3, 4 -> {
                long l = susJ(5L * k);
                yield (int) l;
            }
            default -> {
                if (susZ(k < 0)) {
                    yield -1;
                }
                yield susI(k) * 2;
            }
        };
        return r;
    }

    static int switchExpressionPlain(int k) {
        return k * 1000 + switch (k) {
            case 1 -> 10;
            case 2 -> 21;
            case 3, 4 -> 5 * k;
            default -> k < 0 ? -1 : k * 2;
        };
    }

    @Test
    void switchExpressionsWithYieldAndPendingOperand() {
        int[] ks = {1, 2, 3, 4, 7, -3};
        List<Object> r = concurrently(() -> switchExpression(1), () -> switchExpression(2),
                () -> switchExpression(3), () -> switchExpression(4), () -> switchExpression(7),
                () -> switchExpression(-3));
        List<Object> expected = new ArrayList<>();
        for (int k : ks) {
            expected.add(switchExpressionPlain(k));
        }
        assertEquals(expected, r);
    }

    @Coroutine
    static String stringAndEnumSwitchExpressions(String s, Color c) {
        String a = switch (s) {
            case "x", "y" -> sus("xy");
            case "z" -> {
                String t = sus("z") + sus("z");
                yield t;
            }
            default -> "?";
        };
        double d = switch (c) {
            case RED -> susD(1.5);
            case GREEN -> 2.5;
            default -> {
                double q = susD(c.ordinal());
                yield q / 4;
            }
        };
        return a + "/" + d;
    }

    @Test
    void stringAndEnumSwitchExpressionsYieldSuspendedValues() {
        List<Object> r = concurrently(() -> stringAndEnumSwitchExpressions("y", Color.RED),
                () -> stringAndEnumSwitchExpressions("z", Color.GREEN),
                () -> stringAndEnumSwitchExpressions("q", Color.ALPHA));
        assertEquals(List.of("xy/1.5", "zz/2.5", "?/0.75"), r);
    }

    // ---- type patterns (JDK 17: instanceof patterns instead of pattern switch) over sealed records ----

    sealed interface Shape permits Circle, Square, Rect {
    }

    record Circle(double r) implements Shape {
    }

    record Square(long side) implements Shape {
    }

    record Rect(int w, int h) implements Shape {
    }

    @Coroutine
    static String describe(Object o) {
        if (o instanceof Circle c && susZ(c.r() > 1)) {
            return "big circle " + susD(c.r());
        } else if (o instanceof Circle c) {
            pause();
            return "circle " + c.r();
        } else if (o instanceof Square s) {
            long side = susJ(s.side());
            return "square " + side * side;
        } else if (o instanceof Rect r) {
            int area = susI(r.w()) * susI(r.h());
            return "rect " + area + " " + r;
        } else if (o instanceof String str && !sus(str).isEmpty()) {
            return "string " + str;
        }
        return "other " + sus(String.valueOf(o));
    }

    @Test
    void instanceofPatternsOverSealedRecordsBindAcrossSuspensions() {
        List<Object> r = concurrently(() -> describe(new Circle(2.5)), () -> describe(new Circle(0.5)),
                () -> describe(new Square(3_000_000_000L)), () -> describe(new Rect(6, 7)),
                () -> describe("hi"), () -> describe(""), () -> describe(null));
        assertEquals(List.of("big circle 2.5", "circle 0.5", "square " + 3_000_000_000L * 3_000_000_000L,
                "rect 42 Rect[w=6, h=7]", "string hi", "other ", "other null"), r);
    }

    @Coroutine
    static int nestedSwitches(int a, String b) {
        int r = 0;
        switch (a) {
            case 1:
                switch (sus(b)) {
                    case "p":
                        r = susI(11);
                        break;
                    default:
                        r = 12;
                }
                break;
            case 2:
                r = switch (b) {
                    case "p" -> switch (susI(a)) {
                        case 2 -> susI(22);
                        default -> 23;
                    };
                    default -> 24;
                };
                break;
            default:
                r = -1;
        }
        return r;
    }

    @Test
    void nestedSwitchStatementsAndExpressions() {
        assertEquals(List.of(11, 12, 22, 24, -1), concurrently(() -> nestedSwitches(1, "p"),
                () -> nestedSwitches(1, "q"), () -> nestedSwitches(2, "p"), () -> nestedSwitches(2, "q"),
                () -> nestedSwitches(3, "p")));
    }
}
