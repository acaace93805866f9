package dev.coro.tests.libraries;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.gson.ExclusionStrategy;
import com.google.gson.FieldAttributes;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonSyntaxException;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import dev.coro.Coro;
import dev.coro.Coroutine;
import dev.coro.Event;
import dev.coro.Task;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jackson and Gson, unmodified, rewritten whole by the agent's {@code scope=com.fasterxml.jackson.**} and
 * {@code scope=com.google.gson.**} (this module's surefire argLine): they give in a coroutine what they give in a
 * JVM without the agent, and a user's serializer or type adapter (not in the scope: an override of a method in it)
 * that waits, called from deep inside them, suspends only its own task. Both once threw {@code NoSuchMethodError} at their first use under {@code scope=}.
 */
class JsonLibrariesTest {

    /** The programs, run in a coroutine here and, for the baseline, in a child JVM without the agent. */
    public static final class Programs {
        public enum Status { NEW, PAID, SHIPPED }

        @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
        @JsonSubTypes({@JsonSubTypes.Type(value = Card.class, name = "card"),
                @JsonSubTypes.Type(value = Cash.class, name = "cash")})
        public interface Payment {
        }

        public record Card(String number, int expiryMonth) implements Payment {
        }

        public static final class Cash implements Payment {
            public BigDecimal amount = new BigDecimal("12.50");
            public String currency = "EUR";
        }

        public record Item(String sku, int qty, double price, List<String> tags) {
        }

        public static final class Order {
            public long id;
            public String customer;
            public Status status;
            public List<Item> items = new ArrayList<>();
            public Map<String, Object> meta = new TreeMap<>();
            public Payment payment;
            public int[] codes;
            @JsonProperty("child_orders")
            public List<Order> children = new ArrayList<>();
            @JsonIgnore
            public String secret = "not written";
            private String note;

            public String getNote() {
                return note;
            }

            public void setNote(String note) {
                this.note = note;
            }
        }

        static Order order(int depth) {
            Order o = new Order();
            o.id = 1000L + depth;
            o.customer = "Zo\u00eb \"Q\" \u4e2d\n" + depth;
            o.status = Status.values()[depth % 3];
            o.items.add(new Item("A-1", 2, 3.25, List.of("x", "y")));
            o.items.add(new Item("B-2", 1, 1e-7, List.of()));
            o.meta.put("n", 42);
            o.meta.put("b", true);
            o.meta.put("z", null);
            o.meta.put("l", List.of(1, "two", Map.of("three", 3)));
            o.payment = depth % 2 == 0 ? new Card("4111", 12) : new Cash();
            o.codes = new int[] {1, -2, Integer.MAX_VALUE};
            o.setNote("note " + depth);
            for (int d = depth - 1; d >= Math.max(0, depth - 2); d--) {
                o.children.add(order(d));
            }
            return o;
        }

        /** Polymorphic types, records, renamed and ignored fields, the tree model, generic types, an error. */
        @Coroutine
        public static String jackson() throws IOException {
            ObjectMapper mapper = new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
            StringBuilder out = new StringBuilder();
            String json = mapper.writeValueAsString(order(3));
            out.append(json).append('\n');
            out.append("round trip: ").append(json.equals(mapper.writeValueAsString(mapper.readValue(json, Order.class))))
                    .append('\n');
            JsonNode tree = mapper.readTree(json);
            ((ObjectNode) tree).put("added", "yes");
            tree.fieldNames().forEachRemaining(f -> out.append(f).append(','));
            out.append('\n').append(mapper.writeValueAsString(
                    mapper.treeToValue(tree.get("child_orders").get(0), Order.class).items)).append('\n');
            try {
                mapper.readValue("{\"id\": \"not a number\"}", Order.class);
                out.append("no error\n");
            } catch (JsonProcessingException e) {
                out.append(e.getClass().getSimpleName()).append(": ").append(e.getOriginalMessage()).append('\n');
            }
            out.append(mapper.readValue("[{\"a\":1},{\"b\":[true,null,2.5]}]",
                    new TypeReference<List<Map<String, Object>>>() { })).append('\n');
            return out.toString();
        }

        public static final class Parcel {
            String name = "parcel";
            int[] sizes = {1, 2};
            Map<String, Object> meta = new TreeMap<>(Map.of("k", 1.5, "s", "\u00e9"));
            transient int skipped = 3;
            List<Parcel> inner = new ArrayList<>();
        }

        /** An exclusion strategy, generic types through TypeToken, the tree model, pretty printing, an error. */
        @Coroutine
        public static String gson() {
            Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls()
                    .setExclusionStrategies(new ExclusionStrategy() {
                        @Override
                        public boolean shouldSkipField(FieldAttributes f) {
                            return f.getName().equals("sizes");
                        }

                        @Override
                        public boolean shouldSkipClass(Class<?> c) {
                            return false;
                        }
                    }).create();
            Parcel p = new Parcel();
            p.inner.add(new Parcel());
            StringBuilder out = new StringBuilder();
            String json = gson.toJson(p);
            out.append(json).append('\n');
            out.append("round trip: ").append(json.equals(gson.toJson(gson.fromJson(json, Parcel.class)))).append('\n');
            List<Map<String, Integer>> list = new Gson().fromJson("[{\"a\":1},{\"b\":2}]",
                    new TypeToken<List<Map<String, Integer>>>() { }.getType());
            out.append(list).append(' ').append(list.get(1).get("b").getClass().getSimpleName()).append('\n');
            out.append(com.google.gson.JsonParser.parseString("{\"x\":[1,{\"y\":null}]}").getAsJsonObject().get("x")).append('\n');
            try {
                new Gson().fromJson("{\"name\": [1}", Parcel.class);
                out.append("no error\n");
            } catch (JsonSyntaxException e) {
                out.append(e.getClass().getSimpleName()).append(": ").append(e.getMessage()).append('\n');
            }
            return out.toString();
        }

        /** The baseline: the named program's output, in a JVM that runs without the agent. */
        public static void main(String[] args) throws IOException {
            System.out.print(args[0].equals("jackson") ? jackson() : gson());
        }
    }

    /**
     * A value whose serializer and deserializer wait, at their first call in each task, until the other task's
     * first call is there too: on one loop that is possible only if the first to arrive suspends, inside the
     * library's frames, and lets the other run. A wait that blocked the loop thread instead would time out.
     */
    record Slow(String name) {
    }

    /** Two tasks meet at each barrier; a plain CountDownLatch, made cooperative in rewritten code. */
    static final class Meeting {
        final CountDownLatch writes = new CountDownLatch(2);
        final CountDownLatch reads = new CountDownLatch(2);
        final List<String> calls = new ArrayList<>();

        @Coroutine // else a plain method, whose await would block the loop thread
        void arrive(String call, CountDownLatch barrier, boolean first) throws IOException {
            calls.add(call);
            if (!first) {
                return;
            }
            barrier.countDown();
            try {
                if (!barrier.await(10, TimeUnit.SECONDS)) {
                    throw new IOException(call + ": the other task never came while this one waited");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
    }

    static final class SlowSerializer extends JsonSerializer<Slow> {
        final Meeting meeting;

        SlowSerializer(Meeting meeting) {
            this.meeting = meeting;
        }

        @Override
        public void serialize(Slow value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            meeting.arrive("write " + value.name(), meeting.writes, value.name().endsWith("1"));
            gen.writeString(value.name().toUpperCase());
        }
    }

    static final class SlowDeserializer extends JsonDeserializer<Slow> {
        final Meeting meeting;

        SlowDeserializer(Meeting meeting) {
            this.meeting = meeting;
        }

        @Override
        public Slow deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String name = parser.getValueAsString();
            meeting.arrive("read " + name, meeting.reads, name.endsWith("1"));
            return new Slow(name.toLowerCase());
        }
    }

    static final class SlowAdapter extends TypeAdapter<Slow> {
        final Meeting meeting;

        SlowAdapter(Meeting meeting) {
            this.meeting = meeting;
        }

        @Override
        public void write(JsonWriter out, Slow value) throws IOException {
            meeting.arrive("write " + value.name(), meeting.writes, value.name().endsWith("1"));
            out.value(value.name().toUpperCase());
        }

        @Override
        public Slow read(JsonReader in) throws IOException {
            String name = in.nextString();
            meeting.arrive("read " + name, meeting.reads, name.endsWith("1"));
            return new Slow(name.toLowerCase());
        }
    }

    @Test
    void jacksonGivesInACoroutineWhatItGivesWithoutTheAgent() throws Exception {
        String inCoroutine = Coro.run(() -> Programs.jackson());
        assertTrue(inCoroutine.contains("round trip: true"), inCoroutine);
        assertTrue(inCoroutine.contains("\"kind\" : \"card\"") && inCoroutine.contains("\"child_orders\""),
                inCoroutine);
        assertEquals(withoutTheAgent("jackson"), inCoroutine);
    }

    @Test
    void gsonGivesInACoroutineWhatItGivesWithoutTheAgent() throws Exception {
        String inCoroutine = Coro.run(() -> Programs.gson());
        assertTrue(inCoroutine.contains("round trip: true"), inCoroutine);
        assertTrue(inCoroutine.contains("JsonSyntaxException"), inCoroutine);
        assertEquals(withoutTheAgent("gson"), inCoroutine);
    }

    @Test
    void aJacksonSerializerAndDeserializerThatWaitSuspendOnlyTheirOwnTask() {
        Meeting meeting = new Meeting();
        ObjectMapper mapper = new ObjectMapper().registerModule(new SimpleModule()
                .addSerializer(Slow.class, new SlowSerializer(meeting))
                .addDeserializer(Slow.class, new SlowDeserializer(meeting)));
        twoTasksMeet(meeting, who -> {
            String json = mapper.writeValueAsString(List.of(new Slow(who + 1), new Slow(who + 2)));
            return json + " " + mapper.readValue(json, new TypeReference<List<Slow>>() { });
        });
    }

    @Test
    void aGsonTypeAdapterThatWaitsSuspendsOnlyItsOwnTask() {
        Meeting meeting = new Meeting();
        Gson gson = new GsonBuilder().registerTypeAdapter(Slow.class, new SlowAdapter(meeting)).create();
        twoTasksMeet(meeting, who -> {
            String json = gson.toJson(List.of(new Slow(who + 1), new Slow(who + 2)));
            List<Slow> back = gson.fromJson(json, new TypeToken<List<Slow>>() { }.getType());
            return json + " " + back;
        });
    }

    /** Tasks "a" and "b" on one loop each write and read back two Slow values with {@code roundTrip}. */
    private static void twoTasksMeet(Meeting meeting, RoundTrip roundTrip) {
        List<String> results = Coro.run(() -> {
            Task<String> a = Coro.spawn(() -> roundTrip.of("a"));
            Task<String> b = Coro.spawn(() -> roundTrip.of("b"));
            return List.of(a.join(), b.join());
        });
        assertEquals(List.of("[\"A1\",\"A2\"] [Slow[name=a1], Slow[name=a2]]",
                "[\"B1\",\"B2\"] [Slow[name=b1], Slow[name=b2]]"), results);
        assertEquals(List.of("read A1", "read A2", "read B1", "read B2", "write a1", "write a2", "write b1", "write b2"),
                meeting.calls.stream().sorted().toList());
    }

    interface RoundTrip {
        @Coroutine
        String of(String who) throws Exception;
    }

    /** Says it is inside, then waits for good. */
    static final class StuckSerializer extends JsonSerializer<Slow> {
        final Event inside = new Event();
        final CountDownLatch never = new CountDownLatch(1);

        @Override
        public void serialize(Slow value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            inside.set();
            try {
                never.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
    }

    @Test
    void aTaskCancelledWhileItsSerializerWaitsEndsCancelledThoughJacksonWrapsTheCancel() {
        StuckSerializer stuck = new StuckSerializer();
        ObjectMapper mapper = new ObjectMapper().registerModule(new SimpleModule().addSerializer(Slow.class, stuck));
        Coro.run(() -> {
            Task<String> t = Coro.spawn(() -> mapper.writeValueAsString(List.of(new Slow("x"))));
            stuck.inside.await();
            assertTrue(t.cancel());
            try {
                t.join();
            } catch (CancellationException expected) { // what a task cancelled throws from join
                assertTrue(t.isCancelled());
                return null;
            }
            fail("the cancelled task ended normally");
            return null;
        });
    }

    private static String withoutTheAgent(String program) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Programs.class.getName(), program)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the baseline JVM did not end");
        assertEquals(0, p.exitValue(), "the baseline JVM failed; its output:\n" + out);
        return out;
    }
}
