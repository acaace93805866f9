package dev.coro.tests.constructs;

import dev.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.coro.tests.constructs.Sus.pause;
import static dev.coro.tests.constructs.Sus.sus;
import static dev.coro.tests.constructs.Sus.susI;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A suspended call resumes on the object it was first made on, however the receiver was computed: a local (which
 * the agent restores instead of saving the receiver apart), a local written while the arguments are evaluated, a
 * choice between locals, a field, {@code this}.
 */
class ReceiversTest extends CoroTest {

    static final class Counter {
        final String name;
        int calls;

        Counter(String name) {
            this.name = name;
        }

        /** Suspends twice inside; the count and name must stay this object's. */
        @Coroutine
        String step(Object arg) {
            calls++;
            pause();
            int n = susI(calls);
            pause();
            return name + n + ":" + arg;
        }

        @Coroutine
        String viaThis(int k) {
            String first = this.step(k); // the receiver is this: restored from the frame's own receiver
            String second = step(sus(k + 1));
            return first + "," + second;
        }
    }

    @Coroutine
    static String localReceiver(String id) {
        Counter c = new Counter(id);
        String a = c.step("x");
        String b = c.step(sus("y"));
        return a + "," + b + "," + c.calls;
    }

    @Test
    void aCallOnALocalResumesOnThatLocalsObject() {
        assertEquals(List.of("p1:x,p2:y,2", "q1:x,q2:y,2"),
                concurrently(() -> localReceiver("p"), () -> localReceiver("q")));
    }

    @Coroutine
    static String receiverLocalReassignedInTheArguments(String id) {
        Counter c = new Counter(id + "-old");
        Counter other = new Counter(id + "-new");
        // c is read as the receiver, then written while the argument is evaluated: the call stays on the old object
        String r = c.step(c = other);
        return r.substring(0, r.indexOf(':')) + "|" + c.name + "|" + c.calls + "|" + other.calls;
    }

    @Test
    void aReceiverWhoseLocalIsWrittenByAnArgumentStaysTheOldObject() {
        assertEquals(List.of("a-old1|a-new|0|0", "b-old1|b-new|0|0"),
                concurrently(() -> receiverLocalReassignedInTheArguments("a"),
                        () -> receiverLocalReassignedInTheArguments("b")));
    }

    @Coroutine
    static String receiverLocalReassignedAfterTheCall(String id) {
        Counter c = new Counter(id);
        String first = c.step(1);
        Counter before = c;
        c = new Counter(id + "'");
        String second = c.step(2);
        return first + "," + second + "," + before.calls + "," + c.calls;
    }

    @Test
    void aLocalWrittenAfterTheCallDoesNotChangeTheResumedReceiver() {
        assertEquals(List.of("r1:1,r'1:2,1,1", "s1:1,s'1:2,1,1"),
                concurrently(() -> receiverLocalReassignedAfterTheCall("r"),
                        () -> receiverLocalReassignedAfterTheCall("s")));
    }

    @Coroutine
    static String receiverChosenByACondition(boolean left) {
        Counter a = new Counter("L");
        Counter b = new Counter("R");
        String r = (left ? a : b).step(susI(7));
        return r + "/" + a.calls + b.calls;
    }

    @Test
    void aReceiverChosenBetweenTwoLocalsResumesOnTheChosenOne() {
        assertEquals(List.of("L1:7/10", "R1:7/01"),
                concurrently(() -> receiverChosenByACondition(true), () -> receiverChosenByACondition(false)));
    }

    @Coroutine
    static String receiverUsedOnlyForTheCall(String id) {
        Counter dead = new Counter(id); // not read after the call: its local is not saved, the receiver is
        return dead.step("z");
    }

    @Test
    void aReceiverWhoseLocalIsDeadAfterTheCallStillResumes() {
        assertEquals(List.of("u1:z", "v1:z"), concurrently(() -> receiverUsedOnlyForTheCall("u"),
                () -> receiverUsedOnlyForTheCall("v")));
    }

    @Test
    void callsOnThisResumeOnThis() {
        Counter a = new Counter("t");
        Counter b = new Counter("w");
        assertEquals(List.of("t1:5,t2:6", "w1:8,w2:9"), concurrently(() -> a.viaThis(5), () -> b.viaThis(8)));
    }
}
