/**
 * Tests of the loader: a valid directory loads and runs; each kind of broken
 * file (syntax, types, a throw at load or in build, a bad default export, a
 * forbidden import) is rejected with `file:line:col`; scanning hashes a file
 * with its local imports; module state is private to each instance.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import type { StreamContext } from "../streams/stream.ts";
import { collect, ev } from "../streams/test-support.ts";
import type { Intent } from "./intents.ts";
import { formatLoadError, loadRules, RuleLoader, type RuleSource } from "./loader.ts";
import { tempRulesDir } from "./test-support.ts";

const FIXTURES = path.join(import.meta.dirname, "..", "test", "fixtures");

function context(): { ctx: StreamContext; errors: unknown[] } {
  const errors: unknown[] = [];
  return { ctx: { clock: new VirtualClock(0), onError: (e) => errors.push(e) }, errors };
}

describe("loading a valid directory", () => {
  it("loads every *.rules.ts in name order, with helpers imported but not loaded as rules", () => {
    const intents = collect<Intent>();
    const r = loadRules(path.join(FIXTURES, "rules"), { context: () => context().ctx, sink: intents.stream });
    assert.ok(r.ok, r.ok ? "" : r.errors.map(formatLoadError).join("\n"));
    assert.deepEqual(r.value.map((i) => i.source.name), ["count", "down"]);
    for (const i of r.value) {
      i.stream(ev({ host: "h1", service: "web", state: "critical" }));
      i.stream(ev({ host: "h1", service: "web", state: "ok" }));
    }
    assert.deepEqual(
      intents.items.map((i) => [i.kind, i.kind === "log" ? i.message : i.kind === "page" || i.kind === "resolve" ? i.key : ""]),
      [
        ["log", "#1 h1 web"],
        ["log", "#2 h1 web"],
        ["page", "down/down:h1/web"],
        ["resolve", "down/down:h1/web"],
      ],
    );
  });
});

describe("rejecting broken files with file:line:col", () => {
  const cases: { says: string; dir: string; error: RegExp }[] = [
    { says: "a syntax error", dir: "syntax", error: /^test\/fixtures\/broken-rules\/syntax\/oops\.rules\.ts:6:2 '\)' expected\. \(TS1005\)$/ },
    { says: "a type error (metric: \"x\")", dir: "type-error", error: /^test\/fixtures\/broken-rules\/type-error\/metric\.rules\.ts:6:59 Type 'string' is not assignable to type 'number'\./ },
    { says: "a throw while the module loads", dir: "throw-at-load", error: /^test\/fixtures\/broken-rules\/throw-at-load\/boom\.rules\.ts:5:\d+ no swap limit configured$/ },
    { says: "an invalid option when build runs", dir: "throw-in-build", error: /^test\/fixtures\/broken-rules\/throw-in-build\/badpage\.rules\.ts:6:\d+ RuleOptionError: blacklist\(\): option "ttlSeconds" must be a finite number of seconds > 0, got -5$/ },
    { says: "a severity forced past the type checker", dir: "bad-severity", error: /^test\/fixtures\/broken-rules\/bad-severity\/sev\.rules\.ts:6:\d+ RuleOptionError: page\(\{ name: "p" \}\): option "severity" must be one of/ },
    { says: "a file without `export default defineRules(...)`", dir: "no-default", error: /^test\/fixtures\/broken-rules\/no-default\/plain\.rules\.ts:1:1 a rules file must `export default defineRules/ },
    { says: "an import of a Node module", dir: "node-import", error: /^test\/fixtures\/broken-rules\/node-import\/fs\.rules\.ts:3:30 Cannot find module 'node:fs'/ },
  ];
  for (const c of cases) {
    it(c.says, () => {
      const dir = path.relative(process.cwd(), path.join(FIXTURES, "broken-rules", c.dir));
      const r = loadRules(dir, { context: () => context().ctx, sink: () => {} });
      assert.ok(!r.ok, "expected the load to fail");
      assert.equal(r.errors.length, 1, r.errors.map(formatLoadError).join("\n"));
      assert.match(formatLoadError(r.errors[0]!), c.error);
    });
  }

  it("reports a missing directory", () => {
    const r = new RuleLoader("/nonexistent/rules.d").scan();
    assert.ok(!r.ok);
    assert.match(formatLoadError(r.errors[0]!), /^\/nonexistent\/rules\.d:1:1 cannot read the rules directory/);
  });
});

describe("with files written by the test", () => {
  const tmp = tempRulesDir();
  after(() => tmp.cleanup());
  const header = `import { defineRules, type Event } from "satellite";\n`;

  it("refuses an import from outside the rules directory, at the import", () => {
    tmp.write("outside.ts", "export const limit = 3;\n");
    tmp.write("inner/x.rules.ts", `${header}import { limit } from "../outside.ts";\nexport default defineRules((r) => r.log(String(limit)));\n`);
    const r = loadRules(path.join(tmp.dir, "inner"), { context: () => context().ctx, sink: () => {} });
    assert.ok(!r.ok);
    assert.match(formatLoadError(r.errors[0]!), /inner\/x\.rules\.ts:2:\d+ cannot import "\.\.\/outside\.ts": rules may import only files inside the rules directory/);
  });

  it("reports a type error inside a helper at the helper's line", () => {
    tmp.write("helper-err/lib.ts", "export const n: number = \"three\";\n");
    tmp.write("helper-err/a.rules.ts", `${header}import { n } from "./lib.ts";\nexport default defineRules((r) => r.log(String(n)));\n`);
    const r = loadRules(path.join(tmp.dir, "helper-err"), { context: () => context().ctx, sink: () => {} });
    assert.ok(!r.ok);
    assert.match(formatLoadError(r.errors[0]!), /helper-err\/lib\.ts:1:14 Type 'string' is not assignable to type 'number'/);
  });

  it("hashes a rules file together with its local imports, and ignores non-rules files", () => {
    tmp.write("hash/lib/limits.ts", "export const limit = 1;\n");
    tmp.write("hash/a.rules.ts", `${header}import { limit } from "./lib/limits";\nexport default defineRules((r) => r.log(String(limit)));\n`);
    tmp.write("hash/b.rules.ts", `${header}export default defineRules((r) => r.log());\n`);
    tmp.write("hash/a.rules.test.ts", "this is not even TypeScript\n");
    const loader = new RuleLoader(path.join(tmp.dir, "hash"));
    const scan = () => {
      const r = loader.scan();
      assert.ok(r.ok);
      return new Map(r.value.map((s) => [s.name, s]));
    };
    const first = scan();
    assert.deepEqual([...first.keys()], ["a", "b"]);
    assert.equal(first.get("a")!.modules.size, 2);
    assert.equal(scan().get("a")!.hash, first.get("a")!.hash);
    tmp.write("hash/lib/limits.ts", "export const limit = 2;\n");
    const second = scan();
    assert.notEqual(second.get("a")!.hash, first.get("a")!.hash);
    assert.equal(second.get("b")!.hash, first.get("b")!.hash);
    assert.deepEqual(loader.check([...second.values()]), []);
  });

  it("gives each instance its own modules, so module-level state is never shared", () => {
    tmp.write("state/lib/counter.ts", "let n = 0;\nexport function next(): number {\n  return ++n;\n}\n");
    tmp.write("state/c.rules.ts", `${header}import { next } from "./lib/counter.ts";\nexport default defineRules((r) => r.log(() => String(next())));\n`);
    const loader = new RuleLoader(path.join(tmp.dir, "state"));
    const scanned = loader.scan();
    assert.ok(scanned.ok);
    const source: RuleSource = scanned.value[0]!;
    const intents = collect<Intent>();
    const a = loader.instantiate(source, context().ctx, intents.stream);
    const b = loader.instantiate(source, context().ctx, intents.stream);
    assert.ok(a.ok && b.ok);
    a.value.stream(ev());
    a.value.stream(ev());
    b.value.stream(ev());
    assert.deepEqual(intents.items.map((i) => (i.kind === "log" ? i.message : "")), ["1", "2", "1"]);
  });

  it("locates an error thrown while a rule runs in its .ts source", () => {
    tmp.write("runtime/t.rules.ts", `${header}export default defineRules(() => (e: Event) => {\n  if (e.metric === undefined) {\n    throw new Error("no metric on " + e.host);\n  }\n});\n`);
    const loader = new RuleLoader(path.join(tmp.dir, "runtime"));
    const scanned = loader.scan();
    assert.ok(scanned.ok);
    const r = loader.instantiate(scanned.value[0]!, context().ctx, () => {});
    assert.ok(r.ok);
    let thrown: unknown;
    try {
      r.value.stream(ev({ host: "h9" }));
    } catch (err) {
      thrown = err;
    }
    const where = r.value.locate(thrown);
    assert.ok(where !== undefined);
    assert.equal(formatLoadError(where).replace(tmp.dir, "<dir>"), "<dir>/runtime/t.rules.ts:4:11 no metric on h9");
  });

  it("rejects a build that returns something other than streams", () => {
    tmp.write("bad-build/x.rules.ts", `${header}export default defineRules(() => 42 as unknown as (e: Event) => void);\n`);
    const r = loadRules(path.join(tmp.dir, "bad-build"), { context: () => context().ctx, sink: () => {} });
    assert.ok(!r.ok);
    assert.match(formatLoadError(r.errors[0]!), /x\.rules\.ts:1:1 build must return a stream or an array of streams/);
  });
});
