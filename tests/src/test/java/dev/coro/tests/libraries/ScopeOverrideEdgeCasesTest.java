package dev.coro.tests.libraries;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.coro.Coro;
import dev.coro.tests.patching.conformance.plain.ExcludedDashIsEmptySerializer;
import dev.coro.tests.patching.conformance.plain.ExcludedGreeter;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * scope=com.fasterxml.jackson.** (tests/pom.xml): a user's override of a concrete method of a class in scope must
 * be the method that runs, whether the agent rewrote the user's class or not (exclude=); so must an excluded
 * override of a coroutine. Rewritten callers call twins: an override without one was skipped.
 */
class ScopeOverrideEdgeCasesTest {

    /** The same serializer as ExcludedDashIsEmptySerializer, in a package the agent rewrites. */
    public static final class DashIsEmptySerializer extends JsonSerializer<String> {
        @Override
        public void serialize(String value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(value);
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, String value) {
            return value == null || value.equals("-");
        }
    }

    public static final class Rewritten {
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        @JsonSerialize(using = DashIsEmptySerializer.class)
        public String name = "-";
        public int n = 1;
    }

    public static final class Excluded {
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        @JsonSerialize(using = ExcludedDashIsEmptySerializer.class)
        public String name = "-";
        public int n = 1;
    }

    @Test
    void aRewrittenUserOverrideOfAConcreteScopeMethodIsCalledInATask() throws Exception {
        String json = Coro.run(() -> new ObjectMapper().writeValueAsString(new Rewritten()));
        assertEquals("{\"n\":1}", json);
    }

    @Test
    void anExcludedUserOverrideOfAConcreteScopeMethodIsCalledInATask() throws Exception {
        String json = Coro.run(() -> new ObjectMapper().writeValueAsString(new Excluded()));
        assertEquals("{\"n\":1}", json, "Jackson's JsonSerializer.isEmpty ran instead of the user's override");
    }

    @Test
    void anExcludedUserOverrideOfAConcreteScopeMethodIsCalledOnAPlainThread() throws Exception {
        assertEquals("{\"n\":1}", new ObjectMapper().writeValueAsString(new Excluded()),
                "Jackson's JsonSerializer.isEmpty ran instead of the user's override");
    }

    @Test
    void anExcludedOverrideOfACoroutineIsWhatARewrittenCallerRuns() {
        Greeter g = new ExcludedGreeter();
        assertEquals("hello from the excluded override, ann", Coro.run(() -> g.greet("ann")));
    }
}
