/** Tests for the intern table: one object per distinct name, bounded size. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InternTable } from "./intern.ts";
import { validateEvent } from "./event.ts";

describe("InternTable", () => {
  it("returns the first object seen for equal strings", () => {
    const t = new InternTable();
    const a = t.intern(["web", "1"].join(""));
    const b = t.intern(["we", "b1"].join(""));
    assert.equal(a, b);
    assert.equal(t.size, 1);
  });

  it("clears itself at its limit and stays correct", () => {
    const t = new InternTable(3);
    for (const s of ["a", "b", "c", "d"]) assert.equal(t.intern(s), s);
    assert.equal(t.size, 1);
  });

  it("leaves host, service and state unchanged when validateEvent interns them", () => {
    const v = validateEvent({ host: "h1", service: "cpu", state: "ok" }, 0);
    assert.ok(v.ok);
    assert.deepEqual([v.event.host, v.event.service, v.event.state], ["h1", "cpu", "ok"]);
  });
});
