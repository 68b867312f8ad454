/**
 * Tests of the cron walk: it names the same next times as node-cron's own
 * `getNextRuns` (which starts from the wall clock, so the comparison runs
 * at "now"), starts strictly after the instant given, and reports invalid
 * and never-firing expressions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTask } from "node-cron";
import { cronError, nextCronTime } from "./cron.ts";

const EXPRESSIONS = [
  "* * * * * *",
  "*/15 * * * * *",
  "0 */5 * * * *",
  "*/7 * * * *",
  "30 4 * * *",
  "0 0 9 * * 1-5",
  "0 0 12 L * *",
  "0 30 2 * * 1#2",
  "0 0 0 1 1 *",
  "0 0 0 29 2 *",
  "0 0 6 * * sun",
  "0 15 10 * jan,jul *",
];

/** node-cron's next `count` runs from the wall clock, and ours from the same second (retried if the second turned meanwhile). */
function bothFromNow(expression: string, count: number): { theirs: number[]; ours: number[] } {
  for (;;) {
    const before = Math.floor(Date.now() / 1000);
    const task = createTask(expression, () => undefined);
    const theirs = task.getNextRuns(count).map((d) => d.getTime() / 1000);
    void task.destroy();
    const after = Math.floor(Date.now() / 1000);
    if (before !== after) continue;
    const ours: number[] = [];
    let t = before + 0.5;
    for (let i = 0; i < count; i++) {
      const next = nextCronTime(expression, t);
      assert.ok(next !== undefined, `${expression} fires`);
      ours.push(next);
      t = next;
    }
    return { theirs, ours };
  }
}

describe("nextCronTime", () => {
  for (const expression of EXPRESSIONS) {
    it(`agrees with node-cron's getNextRuns for "${expression}"`, () => {
      const { theirs, ours } = bothFromNow(expression, 5);
      assert.deepEqual(
        ours.map((t) => new Date(t * 1000).toString()),
        theirs.map((t) => new Date(t * 1000).toString()),
      );
    });
  }

  it("is strictly after the instant given, even on a matching second", () => {
    const at = nextCronTime("*/15 * * * * *", 1_700_000_000)!;
    assert.equal(at % 15, 0);
    assert.equal(nextCronTime("*/15 * * * * *", at), at + 15);
    assert.equal(nextCronTime("*/15 * * * * *", at - 0.5), at);
  });

  it("returns whole seconds", () => {
    const t = nextCronTime("* * * * * *", 1_700_000_000.25);
    assert.equal(t, 1_700_000_001);
  });
});

describe("cronError", () => {
  it("accepts valid expressions", () => {
    for (const e of EXPRESSIONS) assert.equal(cronError(e), undefined, e);
  });

  it("names the field of an invalid one", () => {
    assert.match(cronError("61 * * * *") ?? "", /minute/);
    assert.match(cronError("* * * * * * *") ?? "", /.+/);
    assert.match(cronError("not cron") ?? "", /.+/);
  });

  it("says when an expression can never fire", () => {
    assert.match(cronError("0 0 0 30 2 *") ?? "", /impossible/); // node-cron's own check
    assert.match(cronError("0 0 0 1-7 * 1#5") ?? "", /never fires/); // a fifth Monday in the first week: ours
    assert.equal(nextCronTime("0 0 0 1-7 * 1#5", 1_700_000_000), undefined);
  });
});
