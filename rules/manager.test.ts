/**
 * Tests of the rule manager: the initial load; per-file isolation of throws;
 * reloads that fail (nothing changes, the old rules keep running with their
 * state) and succeed (unchanged files keep their state, changed ones restart,
 * removed ones are disposed); watching the directory on disk; the cluster
 * link each file instance gets in engine mode.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { collect, ev } from "../streams/test-support.ts";
import type { Intent } from "./intents.ts";
import { formatLoadError } from "./loader.ts";
import { formatReloadErrors, RuleManager, type ReloadResult, type RuleClusterLink } from "./manager.ts";
import { tempRulesDir, type TempRulesDir } from "./test-support.ts";

const header = `import { defineRules, type Event } from "satellite";\n`;

/** A rules file that logs "<label> <n>" for its n-th event: state in a closure. */
function counter(label: string): string {
  return `${header}export default defineRules((r) => {\n  let n = 0;\n  const log = r.log(() => \`${label} \${++n}\`);\n  return (e: Event) => log(e);\n});\n`;
}

/** A rules file with a type error on line 2. */
const typeError = `${header}const n: number = "x";\nexport default defineRules((r) => r.log(String(n)));\n`;

function messages(intents: Intent[]): string[] {
  return intents.map((i) => (i.kind === "log" ? i.message : i.kind));
}

async function loaded(manager: RuleManager): Promise<void> {
  const r = await manager.reload();
  assert.ok(r.ok, r.ok ? "" : formatReloadErrors(r.errors));
}

describe("RuleManager", () => {
  let tmp: TempRulesDir;
  let clock: VirtualClock;
  let intents: ReturnType<typeof collect<Intent>>;
  let manager: RuleManager;

  beforeEach(() => {
    tmp = tempRulesDir({ "a.rules.ts": counter("a"), "b.rules.ts": counter("b") });
    clock = new VirtualClock(1000);
    intents = collect<Intent>();
    manager = new RuleManager({ dir: tmp.dir, clock, sink: intents.stream });
  });
  afterEach(() => {
    manager.close();
    tmp.cleanup();
  });

  it("loads the directory and feeds each event to every file in name order", async () => {
    await loaded(manager);
    manager.stream(ev());
    manager.stream(ev());
    assert.deepEqual(messages(intents.items), ["a 1", "b 1", "a 2", "b 2"]);
    assert.deepEqual(
      manager.status().map((s) => [s.name, s.loadedAt, s.errors, s.hash.length]),
      [
        ["a", 1000, 0, 16],
        ["b", 1000, 0, 16],
      ],
    );
  });

  it("runs no rules before the first successful load", async () => {
    tmp.write("c.rules.ts", typeError);
    const r = await manager.reload();
    assert.ok(!r.ok);
    manager.stream(ev());
    assert.deepEqual(intents.items, []);
    assert.deepEqual(manager.status(), []);
  });

  it("isolates a file that throws: counted, last error located, the others still run", async () => {
    tmp.write(
      "bad.rules.ts",
      `${header}export default defineRules(() => (e: Event) => {\n  if (e.metric === undefined) throw new Error("no metric");\n});\n`,
    );
    const seen: string[] = [];
    manager.close();
    manager = new RuleManager({ dir: tmp.dir, clock, sink: intents.stream, onRuleError: (rule, err) => seen.push(`${rule}: ${(err as Error).message}`) });
    await loaded(manager);
    clock.advanceTo(1005);
    manager.stream(ev());
    manager.stream(ev({ metric: 1 }));
    manager.stream(ev());
    assert.deepEqual(messages(intents.items), ["a 1", "b 1", "a 2", "b 2", "a 3", "b 3"]);
    const bad = manager.status().find((s) => s.name === "bad")!;
    assert.equal(bad.errors, 2);
    assert.equal(bad.lastError?.where, "bad");
    assert.equal(bad.lastError?.at, 1005);
    assert.equal(bad.lastError?.message.replace(tmp.dir, "<dir>"), "<dir>/bad.rules.ts:3:37 no metric");
    assert.deepEqual(seen, ["bad: no metric", "bad: no metric"]);
  });

  describe("a reload that fails", () => {
    const broken: { says: string; file: string; text: string; error: RegExp }[] = [
      { says: "a new file with a type error", file: "c.rules.ts", text: typeError, error: /c\.rules\.ts:2:7 Type 'string' is not assignable to type 'number'/ },
      { says: "a changed file with a syntax error", file: "a.rules.ts", text: `${header}export default defineRules((r) => r.log(;\n`, error: /a\.rules\.ts:2:\d+ '\)' expected/ },
      { says: "a changed file that throws at load", file: "b.rules.ts", text: `${header}throw new Error("not yet");\nexport default defineRules((r) => r.log());\n`, error: /b\.rules\.ts:2:7 not yet/ },
    ];
    for (const c of broken) {
      it(`is rejected for ${c.says}, and the previous rules keep running with their state`, async () => {
        await loaded(manager);
        manager.stream(ev());
        const before = manager.status();
        tmp.write(c.file, c.text);
        const r = await manager.reload();
        assert.ok(!r.ok, "expected the reload to be rejected");
        assert.equal(r.errors.length, 1, formatReloadErrors(r.errors));
        assert.match(formatLoadError(r.errors[0]!), c.error);
        manager.stream(ev());
        assert.deepEqual(messages(intents.items), ["a 1", "b 1", "a 2", "b 2"]);
        assert.deepEqual(manager.status(), before);
      });
    }

    it("rejects all files when one of several changes fails, keeping the good change unapplied", async () => {
      await loaded(manager);
      tmp.write("a.rules.ts", counter("A"));
      tmp.write("c.rules.ts", typeError);
      assert.ok(!(await manager.reload()).ok);
      manager.stream(ev());
      assert.deepEqual(messages(intents.items), ["a 1", "b 1"]);
    });
  });

  it("a reload that succeeds keeps unchanged files' state, restarts changed ones, adds and removes", async () => {
    tmp.write("d.rules.ts", counter("d"));
    await loaded(manager);
    manager.stream(ev());
    manager.stream(ev());
    clock.advanceTo(2000);
    tmp.write("b.rules.ts", counter("B"));
    tmp.write("c.rules.ts", counter("c"));
    tmp.remove("d.rules.ts");
    const r = await manager.reload();
    assert.ok(r.ok, r.ok ? "" : formatReloadErrors(r.errors));
    assert.deepEqual([r.added, r.changed, r.unchanged, r.removed], [["c"], ["b"], ["a"], ["d"]]);
    intents.items.length = 0;
    manager.stream(ev());
    assert.deepEqual(messages(intents.items), ["a 3", "B 1", "c 1"]);
    assert.deepEqual(
      manager.status().map((s) => [s.name, s.loadedAt]),
      [
        ["a", 1000],
        ["b", 2000],
        ["c", 2000],
      ],
    );
  });

  it("restarts a file when only a helper it imports changes", async () => {
    tmp.write("lib/label.ts", `export const label = "x";\n`);
    tmp.write("a.rules.ts", `${header}import { label } from "./lib/label.ts";\nexport default defineRules((r) => {\n  let n = 0;\n  const log = r.log(() => \`\${label} \${++n}\`);\n  return (e: Event) => log(e);\n});\n`);
    await loaded(manager);
    manager.stream(ev());
    tmp.write("lib/label.ts", `export const label = "y";\n`);
    const r = await manager.reload();
    assert.ok(r.ok);
    assert.deepEqual([r.changed, r.unchanged], [["a"], ["b"]]);
    manager.stream(ev());
    assert.deepEqual(messages(intents.items), ["x 1", "b 1", "y 1", "b 2"]);
  });

  it("keeps every instance when no file changed", async () => {
    await loaded(manager);
    manager.stream(ev());
    const r = await manager.reload();
    assert.ok(r.ok);
    assert.deepEqual([r.added, r.changed, r.unchanged, r.removed], [[], [], ["a", "b"], []]);
    manager.stream(ev());
    assert.deepEqual(messages(intents.items), ["a 1", "b 1", "a 2", "b 2"]);
  });

  it("serialises concurrent reloads", async () => {
    const [first, second] = await Promise.all([manager.reload(), manager.reload()]);
    assert.ok(first.ok && second.ok);
    assert.deepEqual([first.added, second.unchanged], [["a", "b"], ["a", "b"]]);
  });

  it("close() unloads every file and rejects later reloads", async () => {
    await loaded(manager);
    manager.close();
    manager.stream(ev());
    assert.deepEqual(intents.items, []);
    const r = await manager.reload();
    assert.ok(!r.ok);
    assert.match(r.errors[0]!.message, /closed/);
  });

  describe("watch()", () => {
    /** The next reload the watcher reports, or a rejection after `ms` (a bound, not a sleep). */
    function nextReload(ms = 10_000): { promise: Promise<ReloadResult>; onReload: (r: ReloadResult) => void } {
      let deliver!: (r: ReloadResult) => void;
      const promise = new Promise<ReloadResult>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`no reload reported within ${ms} ms`)), ms);
        deliver = (r) => {
          clearTimeout(timeout);
          resolve(r);
        };
      });
      return { promise, onReload: (r) => deliver(r) };
    }

    it("reloads when a rules file changes on disk, and reports a broken save", async () => {
      await loaded(manager);
      let next = nextReload();
      let onReload = next.onReload;
      const watcher = manager.watch({ debounceMs: 20, onReload: (r) => onReload(r) });
      try {
        tmp.write("b.rules.ts", counter("B"));
        const r = await next.promise;
        assert.ok(r.ok, r.ok ? "" : formatReloadErrors(r.errors));
        assert.deepEqual(r.changed, ["b"]);

        next = nextReload();
        onReload = next.onReload;
        tmp.write("a.rules.ts", typeError);
        const failed = await next.promise;
        assert.ok(!failed.ok);
        assert.match(formatLoadError(failed.errors[0]!), /a\.rules\.ts:2:7/);
        manager.stream(ev());
        assert.deepEqual(messages(intents.items), ["a 1", "B 1"]);
      } finally {
        watcher.close();
      }
    });
  });
});

describe("RuleManager with combinators", () => {
  let tmp: TempRulesDir;
  let clock: VirtualClock;
  let intents: ReturnType<typeof collect<Intent>>;
  let manager: RuleManager;

  /** Logs, every 10 s, the rate of the metrics it saw: a window with a pending timer. */
  const rateRule = (label: string) => `${header}export default defineRules((r) => r.rate(10, r.log((e: Event) => \`${label} \${e.metric}\`)));\n`;

  beforeEach(() => {
    clock = new VirtualClock(1000);
    intents = collect<Intent>();
  });
  afterEach(() => {
    manager.close();
    tmp.cleanup();
  });

  it("a removed file's timers are cancelled; an unchanged file keeps its window across the reload", async () => {
    tmp = tempRulesDir({ "kept.rules.ts": rateRule("kept"), "gone.rules.ts": rateRule("gone") });
    manager = new RuleManager({ dir: tmp.dir, clock, sink: intents.stream });
    await loaded(manager);
    manager.stream(ev({ time: 1000, metric: 30, ttl: 15 }));
    assert.deepEqual(
      manager.status().map((s) => [s.name, s.pendingTimers]),
      [
        ["gone", 1],
        ["kept", 1],
      ],
    );
    tmp.remove("gone.rules.ts");
    const r = await manager.reload();
    assert.ok(r.ok);
    assert.deepEqual([r.removed, r.unchanged], [["gone"], ["kept"]]);
    assert.equal(clock.pending, 1, "only the kept file's timer is left");
    clock.advanceTo(1010);
    assert.deepEqual(messages(intents.items), ["kept 3"]);
  });

  it("a changed file restarts with empty windows and its old timers cancelled", async () => {
    tmp = tempRulesDir({ "w.rules.ts": rateRule("old") });
    manager = new RuleManager({ dir: tmp.dir, clock, sink: intents.stream });
    await loaded(manager);
    manager.stream(ev({ time: 1000, metric: 30 }));
    tmp.write("w.rules.ts", rateRule("new"));
    assert.ok((await manager.reload()).ok);
    assert.equal(clock.pending, 0);
    manager.stream(ev({ time: 1002, metric: 50 }));
    clock.advanceTo(1010);
    assert.deepEqual(messages(intents.items), ["new 5"]);
  });

  it("pages a window and a cluster fraction through the bound combinators", async () => {
    tmp = tempRulesDir({
      "swap.rules.ts": `${header}export default defineRules((r) => [
  r.clusterFraction(
    { service: "swap", predicate: (e: Event) => (e.metric ?? 0) > 0 },
    r.where((e: Event) => (e.metric ?? 0) > 0.5, r.page({ name: "cluster", severity: "critical", summary: (e: Event) => \`\${e.metric} of hosts swapping\` })),
  ),
  r.where((e: Event) => e.service === "swap", r.movingEventWindow(2, r.page({ name: "host", severity: "warning", summary: (_e, w) => \`\${w.length} samples\` }))),
]);
`,
    });
    manager = new RuleManager({ dir: tmp.dir, clock, sink: intents.stream });
    await loaded(manager);
    manager.stream(ev({ host: "h1", service: "swap", time: 1000, metric: 1 }));
    const pages = intents.items.filter((i) => i.kind === "page");
    assert.deepEqual(
      pages.map((p) => [p.key, p.summary, p.evidence.length]),
      [
        ["swap/cluster:*", "1 of hosts swapping", 1],
        ["swap/host:h1/swap", "1 samples", 1],
      ],
    );
  });

  it("with a cluster option, gives each file instance its own link and disposes it when the instance is dropped", async () => {
    const aggregate = (name: string) => `${header}export default defineRules((r) => r.clusterCount({ service: "swap", name: "${name}", predicate: () => true }));\n`;
    tmp = tempRulesDir({ "a.rules.ts": aggregate("x"), "b.rules.ts": aggregate("y") });
    const events: string[] = [];
    const cluster = (rule: string): RuleClusterLink => ({
      link: {
        localSlot: "local/e1",
        currentSlot: () => undefined,
        slotOf: () => undefined,
        register: (name) => {
          events.push(`register ${rule}/${name}`);
          return { changed: () => {} };
        },
      },
      dispose: () => void events.push(`dispose ${rule}`),
    });
    manager = new RuleManager({ dir: tmp.dir, clock, sink: intents.stream, cluster });
    await loaded(manager);
    assert.deepEqual(events.sort(), ["register a/x", "register b/y"]);
    events.length = 0;
    tmp.write("a.rules.ts", aggregate("z"));
    tmp.remove("b.rules.ts");
    await loaded(manager);
    assert.deepEqual(events.sort(), ["dispose a", "dispose b", "register a/z"]);
  });
});
