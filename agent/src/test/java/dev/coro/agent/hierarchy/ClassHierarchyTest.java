package dev.coro.agent.hierarchy;

import dev.coro.Coroutine;
import dev.coro.CoroutineCallable;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassHierarchyTest {
    interface Handler<T> {
        @Coroutine
        String handle(T t);

        String plain(T t);
    }

    static class StringHandler implements Handler<String> {
        @Override
        public String handle(String s) {
            return s;
        }

        @Override
        public String plain(String s) {
            return s;
        }
    }

    static class Base {
        @Coroutine
        Object work() {
            return null;
        }

        @Coroutine
        static void helper() {
        }

        void notACoroutine() {
        }
    }

    static class Derived extends Base {
        @Override
        Integer work() {
            return 1;
        }

        static void helper() {
        }
    }

    static class Job implements CoroutineCallable<Integer> {
        @Override
        public Integer call() {
            return 2;
        }
    }

    private final ClassHierarchy h = ClassHierarchy.of(getClass().getClassLoader());

    private static String n(Class<?> c) {
        return c.getName().replace('.', '/');
    }

    @Test
    void annotatedMethodsAreCoroutines() {
        assertTrue(h.isCoroutine(n(Base.class), "work", "()Ljava/lang/Object;"));
        assertTrue(h.isCoroutine(n(Base.class), "helper", "()V"));
        assertFalse(h.isCoroutine(n(Base.class), "notACoroutine", "()V"));
    }

    @Test
    void anOverrideWithACovariantReturnIsACoroutineWithoutTheAnnotation() {
        assertTrue(h.isCoroutine(n(Derived.class), "work", "()Ljava/lang/Integer;"));
        assertTrue(h.isCoroutine(n(Derived.class), "work", "()Ljava/lang/Object;"), "the bridge");
    }

    @Test
    void aStaticMethodThatHidesACoroutineIsNotOne() {
        assertFalse(h.isCoroutine(n(Derived.class), "helper", "()V"));
    }

    @Test
    void aGenericImplementationIsFoundThroughItsBridge() {
        assertTrue(h.isCoroutine(n(StringHandler.class), "handle", "(Ljava/lang/String;)Ljava/lang/String;"));
        assertTrue(h.isCoroutine(n(StringHandler.class), "handle", "(Ljava/lang/Object;)Ljava/lang/String;"));
        assertFalse(h.isCoroutine(n(StringHandler.class), "plain", "(Ljava/lang/String;)Ljava/lang/String;"));
    }

    @Test
    void implementingCoroutineCallableMakesCallACoroutine() {
        assertTrue(h.isCoroutine(n(Job.class), "call", "()Ljava/lang/Integer;"));
        assertTrue(h.isCoroutine(n(CoroutineCallable.class), "call", "()Ljava/lang/Object;"));
    }

    @Test
    void callsThroughASubtypeThatDoesNotDeclareTheMethodAreFound() {
        assertTrue(h.isCoroutine(n(Derived.class), "work", "()Ljava/lang/Object;"));
        assertFalse(h.isCoroutine("java/lang/Object", "toString", "()Ljava/lang/String;"));
    }

    @Test
    void commonSuperClassAndAssignabilityComeFromClassFiles() {
        assertEquals(n(Base.class), h.commonSuperClass(n(Derived.class), n(Base.class)));
        assertEquals("java/lang/Number", h.commonSuperClass("java/lang/Integer", "java/lang/Long"));
        assertTrue(h.isAssignable("java/util/List", "java/util/ArrayList"));
        assertFalse(h.isAssignable("java/util/List", "java/util/HashMap"));
    }

    @Test
    void aMissingClassIsUnknownNotAnError() {
        assertEquals(null, h.get("com/nowhere/Missing"));
        assertFalse(h.isCoroutine("com/nowhere/Missing", "x", "()V"));
    }
}
