/**
 * Tests of `satellite silence`, `alerts` and `maintenance` as commands: each
 * runs in-process through commander against a real API server on
 * 127.0.0.1 (port 0) with a bearer token, as an operator would use them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Command, CommanderError } from "commander";
import { startApiServer, type ApiServer } from "../api/server.ts";
import { registerAlerts } from "../cli/commands/alerts.ts";
import { registerMaintenance } from "../cli/commands/maintenance.ts";
import { registerSilence } from "../cli/commands/silence.ts";
import type { ExitCode } from "../cli/main.ts";
import { cliIo } from "./cli-support.ts";
import { alertsRouter } from "./router.ts";
import { page, rig, type Rig } from "./test-support.ts";

const TOKEN = "cli-token";
let api: ApiServer;
let r: Rig;
let url: string;

/** Runs `satellite <args>` in-process, capturing stdout and stderr. */
async function satellite(args: string[], token: string | null = TOKEN): Promise<{ code: number; stdout: string; stderr: string }> {
  const exit: ExitCode = { code: 0 };
  const program = new Command("satellite").exitOverride();
  registerSilence(program, exit);
  registerAlerts(program, exit);
  registerMaintenance(program, exit);
  for (const c of program.commands) for (const sub of c.commands) sub.exitOverride();
  let stdout = "";
  let stderr = "";
  const { out, err } = cliIo;
  const saved = process.env.SATELLITE_API_TOKEN;
  if (token === null) delete process.env.SATELLITE_API_TOKEN;
  else process.env.SATELLITE_API_TOKEN = token;
  cliIo.out = (text) => void (stdout += text);
  cliIo.err = (text) => void (stderr += text);
  try {
    await program.parseAsync([...args, "--api", url], { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exit.code = e.exitCode === 0 ? 0 : 2;
  } finally {
    cliIo.out = out;
    cliIo.err = err;
    if (saved === undefined) delete process.env.SATELLITE_API_TOKEN;
    else process.env.SATELLITE_API_TOKEN = saved;
  }
  return { code: exit.code, stdout, stderr };
}

before(async () => {
  r = rig();
  api = await startApiServer({ engine: { submitAll: () => ({ accepted: 0, rejected: [] }) }, port: 0, token: TOKEN, mounts: [{ path: "/api/v1", handler: alertsRouter(r.alerting) }] });
  url = `http://127.0.0.1:${api.port}`;
  r.alerting.handle(page(r.clock, "web1", { summary: "web1: / is 97% full" }));
  r.alerting.handle(page(r.clock, "web2", { rule: "cpu/hot", alerting: { forSeconds: 600 } }));
});

after(async () => {
  await api.close();
  r.alerting.close();
});

describe("satellite silence", () => {
  it("adds, lists and expires a silence", async () => {
    const add = await satellite(["silence", "add", "--host", "h1", "--rule", "builtin/disk full", "-m", "service=~disk.*", "--duration", "2h", "--comment", "reimaging", "--by", "alice"]);
    assert.equal(add.code, 0, add.stderr);
    const id = /^silence (\d+) active until \S+: host=h1 rule=builtin\/disk full service=~disk\.\*$/m.exec(add.stdout)?.[1];
    assert.ok(id !== undefined, add.stdout);
    const [silence] = r.alerting.listSilences();
    assert.deepEqual(silence?.matchers, [
      { name: "host", value: "h1", isRegex: false, isEqual: true },
      { name: "rule", value: "builtin/disk full", isRegex: false, isEqual: true },
      { name: "service", value: "disk.*", isRegex: true, isEqual: true },
    ]);
    assert.equal(silence?.createdBy, "alice");
    assert.equal(Date.parse(silence.endsAt) - Date.parse(silence.startsAt), 2 * 3600 * 1000);

    const ls = await satellite(["silence", "ls"]);
    assert.equal(ls.code, 0);
    assert.match(ls.stdout, /^ID\s+STATE\s+STARTS\s+ENDS\s+FOR\s+BY\s+MATCHERS\s+COMMENT$/m);
    assert.match(ls.stdout, new RegExp(`^${id}\\s+active\\s+\\S+\\s+\\S+\\s+2h\\s+alice\\s+host=h1 rule=builtin/disk full service=~disk\\.\\*\\s+reimaging$`, "m"));

    const expire = await satellite(["silence", "expire", id]);
    assert.equal(expire.code, 0, expire.stderr);
    assert.match(expire.stdout, new RegExp(`^silence ${id} expired at `));
    assert.equal((await satellite(["silence", "ls", "--json"])).stdout.trim(), JSON.stringify({ silences: [] }, null, 2));
  });

  it("fails with a readable reason: no token, bad duration, no matcher, unknown id", async () => {
    const noToken = await satellite(["silence", "add", "--host", "h1", "--duration", "1h", "--comment", "c", "--by", "a"], null);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /^satellite: a bearer token is required.*SATELLITE_API_TOKEN/);
    const badDuration = await satellite(["silence", "add", "--host", "h1", "--duration", "soon", "--comment", "c", "--by", "a"]);
    assert.equal(badDuration.code, 1);
    assert.match(badDuration.stderr, /--duration must be a duration like 90m/);
    const noMatcher = await satellite(["silence", "add", "--duration", "1h", "--comment", "c", "--by", "a"]);
    assert.equal(noMatcher.code, 1);
    assert.match(noMatcher.stderr, /matchers are required/);
    const badRegex = await satellite(["silence", "add", "-m", "host=~(", "--duration", "1h", "--comment", "c", "--by", "a"]);
    assert.equal(badRegex.code, 1);
    assert.match(badRegex.stderr, /matchers\[0\]\.value is not a valid regular expression/);
    const unknown = await satellite(["silence", "expire", "999"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no silence 999/);
  });
});

describe("satellite alerts", () => {
  it("lists alerts filtered by state", async () => {
    const firing = await satellite(["alerts", "ls", "--state", "firing"]);
    assert.equal(firing.code, 0, firing.stderr);
    const lines = firing.stdout.trim().split("\n");
    assert.match(lines[0]!, /^ID\s+STATE\s+SEVERITY\s+SINCE\s+RULE\s+SUBJECT\s+SUMMARY$/);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /^\d+\s+firing\s+error\s+\S+\s+disk\/full\s+web1\s+web1: \/ is 97% full$/);
    const all = await satellite(["alerts", "ls", "--json"]);
    assert.deepEqual((JSON.parse(all.stdout) as { alerts: { key: string }[] }).alerts.map((a) => a.key), ["disk/full:web1", "cpu/hot:web2"]);
    const bad = await satellite(["alerts", "ls", "--state", "burning"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /state must be one or more of/);
  });

  it("shows one alert with its history", async () => {
    const id = r.alerting.listAlerts({ host: "web1" })[0]!.id;
    const show = await satellite(["alerts", "show", String(id)]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^alert \d+ firing error: web1: \/ is 97% full$/m);
    assert.match(show.stdout, /^\S+\s+notification trigger\s+\{"reason":"firing"/m);
  });
});

describe("satellite maintenance", () => {
  it("starts, lists and ends a maintenance window", async () => {
    const start = await satellite(["maintenance", "start", "web9", "--duration", "90m", "--reason", "BIOS update", "--by", "bob"]);
    assert.equal(start.code, 0, start.stderr);
    const id = /^maintenance (\d+) for web9 active until /.exec(start.stdout)?.[1];
    assert.ok(id !== undefined, start.stdout);
    const ls = await satellite(["maintenance", "ls", "--host", "web9"]);
    assert.match(ls.stdout, new RegExp(`^${id}\\s+web9\\s+active\\s+\\S+\\s+\\S+\\s+bob\\s+BIOS update$`, "m"));
    const end = await satellite(["maintenance", "end", id]);
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, new RegExp(`^maintenance ${id} for web9 ended at `));
  });
});
