/**
 * Tests of the embedded store: migrations apply once and in order, survive a
 * reopen of the file, refuse unordered versions and a newer database, and a
 * failing migration leaves nothing half-applied.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase, openStore } from "./database.ts";

describe("store", () => {
  it("applies migrations once, in order, and remembers them across a reopen", () => {
    const dir = mkdtempSync(join(tmpdir(), "sat-store-"));
    try {
      const steps = [
        { version: 1, sql: "CREATE TABLE t (a TEXT)" },
        { version: 2, sql: "ALTER TABLE t ADD COLUMN b TEXT" },
      ];
      let db = openStore(dir);
      migrate(db, "p", steps);
      db.prepare("INSERT INTO t (a, b) VALUES (?, ?)").run("x", "y");
      db.close();
      db = openStore(dir);
      migrate(db, "p", [...steps, { version: 3, sql: "ALTER TABLE t ADD COLUMN c TEXT" }]);
      assert.deepEqual(db.prepare("SELECT a, b, c FROM t").all(), [{ a: "x", b: "y", c: null }]);
      assert.deepEqual(db.prepare("SELECT version FROM schema_versions WHERE part = 'p'").get(), { version: 3 });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps parts apart", () => {
    const db = openDatabase(":memory:");
    migrate(db, "a", [{ version: 1, sql: "CREATE TABLE ta (x)" }]);
    migrate(db, "b", [{ version: 1, sql: "CREATE TABLE tb (x)" }]);
    assert.equal((db.prepare("SELECT count(*) n FROM schema_versions").get() as { n: number }).n, 2);
  });

  it("rejects versions that do not increase and a database newer than the code", () => {
    const db = openDatabase(":memory:");
    assert.throws(() => migrate(db, "p", [{ version: 2, sql: "" }, { version: 1, sql: "" }]), /strictly increasing/);
    migrate(db, "p", [{ version: 1, sql: "CREATE TABLE t (a)" }, { version: 2, sql: "CREATE TABLE u (a)" }]);
    assert.throws(() => migrate(db, "p", [{ version: 1, sql: "CREATE TABLE t (a)" }]), /newer than this Satellite/);
  });

  it("rolls back a failing migration as a whole", () => {
    const db = openDatabase(":memory:");
    assert.throws(() => migrate(db, "p", [{ version: 1, sql: "CREATE TABLE t (a); INSERT INTO nope VALUES (1);" }]));
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get(), undefined);
    assert.equal(db.prepare("SELECT version FROM schema_versions WHERE part = 'p'").get(), undefined);
  });
});
