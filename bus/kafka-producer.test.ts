/**
 * Tests of the Kafka bus's producer side against a fake kafkajs producer:
 * batching by host and size, retries that resend the same messages in
 * order, dropping only what Kafka refuses for good, backpressure and close.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Producer, ProducerBatch } from "kafkajs";
import { makeEvent } from "../streams/event.ts";
import { decodeMessage } from "./codec.ts";
import { resolveKafkaOptions, type KafkaProducerOptions } from "./kafka-options.ts";
import { Outbox, type OutboxCounters } from "./kafka-producer.ts";
import { numbered, Watch } from "./test-support.ts";

interface Sent {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
}

/** A kafkajs producer stand-in: records sends; `behave` may throw or wait per request. */
class FakeProducer {
  readonly sent: Sent[] = [];
  readonly attempts: Sent[][] = [];
  readonly watch = new Watch();
  behave: (messages: Sent[]) => Promise<void> | void = () => undefined;

  connect(): Promise<void> {
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    return Promise.resolve();
  }

  async sendBatch(batch: ProducerBatch): Promise<unknown[]> {
    const messages = (batch.topicMessages ?? []).flatMap((t) => t.messages.map((m) => ({ topic: t.topic, key: String(m.key), value: String(m.value) })));
    this.attempts.push(messages);
    try {
      await this.behave(messages);
      this.sent.push(...messages);
      return [];
    } finally {
      this.watch.check();
    }
  }
}

function outbox(options: KafkaProducerOptions = {}): { fake: FakeProducer; box: Outbox; stats: OutboxCounters } {
  const fake = new FakeProducer();
  const stats: OutboxCounters = { publishedEvents: 0, queuedEvents: 0, producedMessages: 0, produceFailures: 0, droppedOnClose: 0, unsendableMessages: 0, oversizedEvents: 0 };
  const resolved = resolveKafkaOptions({ brokers: ["127.0.0.1:9"], producer: { lingerMs: 1, maxRetryDelayMs: 20, ...options }, log: () => undefined });
  return { fake, box: new Outbox(fake as unknown as Producer, resolved, stats), stats };
}

function decoded(s: Sent): { events: { host: string; metric: number }[]; producer: string | undefined; seq: number | undefined } {
  const r = decodeMessage(Buffer.from(s.value));
  assert.ok(r.ok, s.value);
  return { events: r.message.events as { host: string; metric: number }[], producer: r.message.producer, seq: r.message.seq };
}

describe("Outbox (the Kafka producer side)", () => {
  it("puts one host's events in one message keyed by the host, each message with the producer id and the next sequence", async () => {
    const { fake, box, stats } = outbox();
    await box.add("satellite.events", numbered(0, 30, 3));
    await box.flush();
    assert.equal(fake.sent.length, 3);
    for (const s of fake.sent) {
      const d = decoded(s);
      assert.equal(s.topic, "satellite.events");
      assert.ok(d.events.every((e) => e.host === s.key), "every event of a message is the key's host");
      assert.equal(d.events.length, 10);
      assert.equal(d.producer, box.producerId);
    }
    assert.deepEqual(fake.sent.map((s) => decoded(s).seq), [0, 1, 2]);
    assert.equal(stats.producedMessages, 3);
    assert.equal(stats.queuedEvents, 0);
  });

  it("seals a message at maxMessageEvents and before maxMessageBytes", async () => {
    const { fake, box } = outbox({ maxMessageEvents: 4, maxMessageBytes: 2048 });
    await box.add("t", numbered(0, 10, 1));
    await box.flush();
    assert.deepEqual(fake.sent.map((s) => decoded(s).events.length), [4, 4, 2]);
    const big = outbox({ maxMessageBytes: 2048 });
    await big.box.add("t", numbered(0, 100, 1));
    await big.box.flush();
    assert.ok(big.fake.sent.length > 1);
    assert.ok(big.fake.sent.every((s) => Buffer.byteLength(s.value) <= 2048), "no message over the byte limit");
    assert.equal(big.fake.sent.reduce((n, s) => n + decoded(s).events.length, 0), 100);
  });

  it("seals a partly filled message after lingerMs without a flush", async () => {
    const { fake, box } = outbox({ lingerMs: 5 });
    await box.add("t", numbered(0, 3, 1));
    assert.equal(fake.attempts.length, 0, "nothing sent at once");
    await fake.watch.until(() => fake.sent.length === 1, 2_000, "the linger timer to send the message");
  });

  it("retries a failed send with the same messages, in order, until it succeeds", async () => {
    const { fake, box, stats } = outbox();
    let failures = 3;
    fake.behave = () => {
      if (failures-- > 0) throw new Error("broker down");
    };
    await box.add("t", numbered(0, 6, 2));
    await box.flush();
    assert.equal(stats.produceFailures, 3);
    assert.equal(fake.attempts.length, 4);
    const final = new Set(fake.sent.map((m) => m.value));
    for (const attempt of fake.attempts) {
      assert.ok(attempt.every((m) => final.has(m.value)), "every attempt resends the same bytes (same sequence numbers)");
      assert.equal(attempt[0]!.value, fake.sent[0]!.value, "the oldest unacknowledged message leads every retry");
    }
    assert.deepEqual(fake.sent.map((s) => decoded(s).seq), [0, 1]);
  });

  it("drops only the message Kafka refuses for good, after finding it, and keeps the order of the rest", async () => {
    const { fake, box, stats } = outbox();
    fake.behave = (messages) => {
      if (messages.some((m) => m.key === "host-1")) throw Object.assign(new Error("too large"), { type: "MESSAGE_TOO_LARGE" });
    };
    await box.add("t", numbered(0, 9, 3));
    await box.flush();
    assert.equal(stats.unsendableMessages, 1);
    assert.deepEqual(fake.sent.map((s) => s.key), ["host-0", "host-2"]);
    assert.equal(stats.queuedEvents, 0);
    fake.behave = () => undefined;
    await box.add("t", numbered(9, 2, 2));
    await box.flush();
    assert.deepEqual(fake.sent.slice(2).map((s) => s.key).sort(), ["host-0", "host-1"], "later messages, even for the refused host, still go");
  });

  it("makes publish wait while maxQueuedEvents are unacknowledged (backpressure) and never drops them", async () => {
    const { fake, box, stats } = outbox({ maxQueuedEvents: 100 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    fake.behave = () => gate;
    await box.add("t", numbered(0, 100, 1));
    let admitted = false;
    const second = box.add("t", numbered(100, 50, 1)).then(() => (admitted = true));
    await box.add("t", []); // an empty publish never waits
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(admitted, false, "the second publish waits for room");
    assert.equal(stats.queuedEvents, 150);
    open();
    await second;
    await box.flush();
    assert.equal(fake.sent.reduce((n, s) => n + decoded(s).events.length, 0), 150);
  });

  it("close waits for acknowledgements up to its timeout, then reports and counts what it could not send", async () => {
    const { fake, box, stats } = outbox();
    fake.behave = () => {
      throw new Error("unreachable");
    };
    await box.add("t", numbered(0, 7, 1));
    const left = await box.close(50);
    assert.equal(left, 7);
    assert.equal(stats.droppedOnClose, 7);
    assert.equal(stats.queuedEvents, 0);
    await assert.rejects(box.add("t", numbered(7, 1, 1)), /after close/);
  });

  it("drops (and counts) an event that alone exceeds maxMessageBytes instead of blocking the queue", async () => {
    const { fake, box, stats } = outbox({ maxMessageBytes: 1024 });
    const huge = makeEvent({ host: "h", service: "s", time: 1, description: "x".repeat(2000) });
    await box.add("t", [huge, ...numbered(0, 2, 1)]);
    await box.flush();
    assert.equal(stats.oversizedEvents, 1);
    assert.equal(fake.sent.reduce((n, s) => n + decoded(s).events.length, 0), 2);
    assert.equal(stats.queuedEvents, 0);
  });
});
