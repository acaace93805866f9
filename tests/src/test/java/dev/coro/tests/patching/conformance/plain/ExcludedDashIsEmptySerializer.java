package dev.coro.tests.patching.conformance.plain;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;

import java.io.IOException;

/**
 * A user's Jackson serializer in a package the agent excludes (tests/pom.xml: exclude=...conformance.plain), for
 * ScopeOverrideEdgeCasesTest: it overrides a concrete method of a class in scope ({@code JsonSerializer.isEmpty}).
 */
public final class ExcludedDashIsEmptySerializer extends JsonSerializer<String> {
    @Override
    public void serialize(String value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeString(value);
    }

    @Override
    public boolean isEmpty(SerializerProvider provider, String value) {
        return value == null || value.equals("-");
    }
}
