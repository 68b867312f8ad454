/** Tests of `resolveElasticsearchOptions`: defaults, and errors that name the field. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ELASTICSEARCH_DEFAULTS, resolveElasticsearchOptions } from "./options.ts";

describe("resolveElasticsearchOptions", () => {
  it("fills every default", () => {
    const r = resolveElasticsearchOptions({ node: "http://127.0.0.1:9200" });
    assert.deepEqual(r, { node: "http://127.0.0.1:9200", apiKey: undefined, username: undefined, password: undefined, ...ELASTICSEARCH_DEFAULTS });
  });

  it("refuses bad values, naming the field", () => {
    const cases: [unknown, RegExp][] = [
      [null, /elasticsearch must be an object/],
      [{ node: "es:9200" }, /elasticsearch\.node must be an http\(s\) URL, got "es:9200"/],
      [{ node: "http://x", flushBytes: "5mb" }, /elasticsearch\.flushBytes must be a positive integer, got "5mb"/],
      [{ node: "http://x", flushIntervalSeconds: 0 }, /elasticsearch\.flushIntervalSeconds must be a positive number/],
      [{ node: "http://x", maxBufferedDocs: 1.5 }, /elasticsearch\.maxBufferedDocs must be a positive integer/],
      [{ node: "http://x", namespace: "eu-west" }, /elasticsearch\.namespace must be a data stream namespace/],
      [{ node: "http://x", username: "u" }, /elasticsearch\.username and elasticsearch\.password must be given together/],
      [{ node: "http://x", retryInitialSeconds: 10, retryMaxSeconds: 5 }, /elasticsearch\.retryMaxSeconds must be >= retryInitialSeconds/],
      [{ node: "http://x", flushbytes: 1 }, /elasticsearch\.flushbytes is not a setting/],
    ];
    for (const [raw, message] of cases) assert.throws(() => resolveElasticsearchOptions(raw), message, JSON.stringify(raw));
    assert.throws(() => resolveElasticsearchOptions({ node: 1 }, "outputs.es"), /^RangeError: outputs\.es\.node/);
  });
});
