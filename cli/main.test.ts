/** Tests for the `satellite` command as a user runs it: a real child process per invocation. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const BIN = fileURLToPath(new URL("../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

function satellite(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("satellite command", () => {
  it("prints help for the program and for every subcommand", () => {
    const top = satellite("--help");
    assert.equal(top.code, 0);
    const commands = [...top.stdout.matchAll(/^ {2}(\w+)\b/gm)].map((m) => m[1]!).filter((c) => c !== "help");
    assert.deepEqual(commands.sort(), ["alerts", "check", "collector", "control", "dashboards", "engine", "indexer", "jobs", "maintenance", "replay", "silence", "simulate", "start", "test"]);
    for (const command of commands) {
      const r = satellite(command, "--help");
      assert.equal(r.code, 0, `${command} --help`);
      assert.match(r.stdout, new RegExp(`^Usage: satellite ${command}`, "m"));
    }
  });

  it("exits 2 on an unknown command", () => {
    const r = satellite("frobnicate");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command/);
  });

  it("test: exits 0 when the rule tests pass and 1 with a readable reason when one fails", () => {
    const ok = satellite("test", "test/fixtures/rules");
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^2 passed, 0 failed$/m);
    const bad = satellite("test", "test/fixtures/rule-tests/failing");
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /✗ expects a warning but the rule pages critical/);
    assert.match(bad.stdout, /expected \{ kind: "page", severity: "warning" \}/);
    assert.match(bad.stdout, /actual \{ kind: "page".*severity: "critical"/);
  });

  it("test: the README's example rule and its test pass", () => {
    const r = satellite("test", "test/fixtures/readme");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^2 passed, 0 failed$/m);
  });

  it("test: fails when no test is found, so a mistyped path never passes", () => {
    const r = satellite("test", "test/fixtures/broken-rules");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /no rule tests/);
  });

  it("check: reports a type error as file:line:col and exits 1", () => {
    const r = satellite("check", "test/fixtures/broken-rules/type-error");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /type-error\/\S+\.rules\.ts:\d+:\d+ /);
    const good = satellite("check", "test/fixtures/rules");
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /OK/);
  });
});
