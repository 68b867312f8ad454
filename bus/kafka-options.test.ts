/** Tests of the Kafka bus's settings: defaults in one place, every bad field named, checked at construction. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KafkaBus } from "./kafka.ts";
import { filteredLog, KAFKA_DEFAULTS, resolveKafkaOptions, type KafkaBusOptions } from "./kafka-options.ts";

const brokers = ["127.0.0.1:9092"];

describe("resolveKafkaOptions", () => {
  it("fills every default", () => {
    const r = resolveKafkaOptions({ brokers });
    assert.deepEqual(r.topics, { events: "satellite.events", tasks: "satellite.tasks", dlq: "satellite.dlq" });
    assert.deepEqual(r.groups, { events: "satellite-engine", tasks: "satellite-engine-tasks" });
    assert.deepEqual(r.producer, KAFKA_DEFAULTS.producer);
    assert.deepEqual(r.consumer, KAFKA_DEFAULTS.consumer);
    assert.equal(r.clientId, "satellite");
  });

  it("keeps what the caller set", () => {
    const r = resolveKafkaOptions({ brokers, topics: { events: "ev" }, producer: { lingerMs: 0, compression: "gzip" }, consumer: { fromBeginning: false } });
    assert.equal(r.topics.events, "ev");
    assert.equal(r.topics.tasks, "satellite.tasks");
    assert.equal(r.producer.lingerMs, 0);
    assert.equal(r.producer.compression, "gzip");
    assert.equal(r.consumer.fromBeginning, false);
  });

  const bad: [string, Partial<KafkaBusOptions>, RegExp][] = [
    ["no brokers", { brokers: [] }, /brokers must be a non-empty list/],
    ["a broker without a port", { brokers: ["kafka1"] }, /brokers must be a non-empty list of "host:port"/],
    ["a topic name with a space", { topics: { events: "my events" } }, /topics\.events must be a Kafka topic name/],
    ["two logical topics on one Kafka topic", { topics: { events: "x", tasks: "x" } }, /three different topics/],
    ["one group for both topics", { groups: { events: "g", tasks: "g" } }, /groups\.events and groups\.tasks must differ/],
    ["a negative linger", { producer: { lingerMs: -1 } }, /producer\.lingerMs must be an integer >= 0, got -1/],
    ["a fractional batch size", { producer: { maxMessageEvents: 2.5 } }, /producer\.maxMessageEvents/],
    ["an unknown compression", { producer: { compression: "zstd" as "gzip" } }, /producer\.compression must be "none" or "gzip", got "zstd"/],
    ["acks 0", { producer: { acks: 0 as 1 } }, /producer\.acks must be -1 or 1/],
    ["a heartbeat slower than the session", { consumer: { sessionTimeoutMs: 1000, heartbeatIntervalMs: 1000 } }, /heartbeatIntervalMs \(1000\) must be less than consumer\.sessionTimeoutMs/],
    ["fromBeginning as a string", { consumer: { fromBeginning: "yes" as unknown as boolean } }, /consumer\.fromBeginning must be a boolean/],
    ["an unknown log level", { logLevel: "loud" as "warn" }, /logLevel must be one of/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(() => resolveKafkaOptions({ brokers, ...options }), message);
    });
  }
});

describe("filteredLog", () => {
  it("passes lines at the threshold or more severe, and swallows a throwing sink", () => {
    const lines: string[] = [];
    const log = filteredLog((level, message) => void lines.push(`${level}:${message}`), "warn");
    log("error", "a", {});
    log("warn", "b", {});
    log("info", "c", {});
    log("debug", "d", {});
    assert.deepEqual(lines, ["error:a", "warn:b"]);
    const silent = filteredLog(() => void lines.push("x"), "nothing");
    silent("error", "e", {});
    assert.equal(lines.length, 2);
    const throwing = filteredLog(() => {
      throw new Error("sink");
    }, "debug");
    assert.doesNotThrow(() => throwing("error", "f", {}));
  });
});

describe("KafkaBus construction", () => {
  it("validates its options without connecting anywhere, and refuses one group for two topics", async () => {
    assert.throws(() => new KafkaBus({ brokers: ["nohost"] }), /brokers/);
    const bus = new KafkaBus({ brokers: ["127.0.0.1:9"], log: () => undefined });
    assert.equal(bus.options.topics.events, "satellite.events");
    assert.match(bus.producerId, /^[0-9a-f-]{36}$/);
    await assert.rejects(bus.subscribe("nope" as "events", () => undefined), /unknown topic "nope"/);
    await bus.close();
    await assert.rejects(bus.subscribe("events", () => undefined), /after close/);
    await assert.rejects(bus.publish("events", []), /after close/);
  });
});
