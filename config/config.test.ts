/**
 * Tests of configuration loading: defaults, environment fallbacks, errors
 * that name the field (unknown keys included), and loading a real
 * `satellite.config.ts` from disk through `defineConfig`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_DEFAULTS, ConfigError, loadConfig, resolveConfig } from "./index.ts";

describe("resolveConfig", () => {
  it("fills every default from an empty config", () => {
    const c = resolveConfig({}, {});
    assert.equal(c.dataDir, CONFIG_DEFAULTS.dataDir);
    assert.deepEqual(c.server, { host: "127.0.0.1", httpPort: 5001, riemannPort: 5555 });
    assert.deepEqual(c.rules, { dir: "rules.d", builtin: true });
    assert.deepEqual(c.kafka.brokers, []);
    assert.equal(c.elasticsearch.url, undefined);
    assert.equal(c.apiToken, undefined);
    assert.deepEqual(c.parts.alerting, {});
  });

  it("takes endpoints and secrets from the environment when the file leaves them unset", () => {
    const c = resolveConfig({}, { KAFKA_BROKERS: "a:9092, b:9092", ELASTICSEARCH_URL: "http://es:9200", KIBANA_URL: "http://k:5601", SATELLITE_API_TOKEN: "t" });
    assert.deepEqual(c.kafka.brokers, ["a:9092", "b:9092"]);
    assert.equal(c.elasticsearch.url, "http://es:9200");
    assert.equal(c.elasticsearch.kibanaUrl, "http://k:5601");
    assert.equal(c.apiToken, "t");
    assert.deepEqual(resolveConfig({ kafka: { brokers: ["x:1"] } }, { KAFKA_BROKERS: "a:9092" }).kafka.brokers, ["x:1"]);
  });

  it("names the field of an unknown or invalid setting", () => {
    const cases: [unknown, RegExp][] = [
      [{ server: { htpPort: 1 } }, /^server\.htpPort: unknown setting/],
      [{ nope: 1 }, /^nope: unknown setting/],
      [{ server: { httpPort: 70000 } }, /^server\.httpPort: must be at most 65535, got 70000/],
      [{ server: { httpPort: "80" } }, /^server\.httpPort: must be a finite number, got "80"/],
      [{ rules: { builtin: "yes" } }, /^rules\.builtin: must be true or false/],
      [{ kafka: { brokers: ["a", 3] } }, /^kafka\.brokers\[1\]: must be a string/],
      [{ elasticsearch: { namespace: "Prod-1" } }, /^elasticsearch\.namespace: must be lowercase/],
      [{ alerting: 3 }, /^alerting: must be an object/],
      [[], /must be an object, got an array/],
    ];
    for (const [raw, message] of cases) {
      assert.throws(() => resolveConfig(raw, {}), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(raw));
    }
  });
});

describe("loadConfig", () => {
  it("loads satellite.config.ts from the working directory, and reports a bad one by file and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "sat-config-"));
    try {
      assert.equal((loadConfig(undefined, {}, dir)).file, undefined);
      writeFileSync(join(dir, "satellite.config.ts"), `import { defineConfig } from "satellite/config";\nexport default defineConfig({ dataDir: "state", server: { httpPort: 8080 } });\n`);
      const { config, file } = loadConfig(undefined, {}, dir);
      assert.equal(file, join(dir, "satellite.config.ts"));
      assert.equal(config.dataDir, "state");
      assert.equal(config.server.httpPort, 8080);
      writeFileSync(join(dir, "bad.config.ts"), `export default { server: { port: 1 } };\n`);
      assert.throws(() => loadConfig("bad.config.ts", {}, dir), /bad\.config\.ts: server\.port: unknown setting/);
      writeFileSync(join(dir, "none.config.ts"), `export const x = 1;\n`);
      assert.throws(() => loadConfig("none.config.ts", {}, dir), /has no default export/);
      assert.throws(() => loadConfig("missing.ts", {}, dir), /no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads a config kept outside any module package: CommonJS package.json, helpers, Node built-ins, .mts", () => {
    const dir = mkdtempSync(join(tmpdir(), "sat-config-cjs-"));
    try {
      // Where Node would load a .ts file as CommonJS and could not resolve "satellite/config".
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "ops", type: "commonjs" }));
      mkdirSync(join(dir, "lib"));
      writeFileSync(join(dir, "lib", "ports.ts"), `export const HTTP_PORT: number = 7001;\n`);
      writeFileSync(
        join(dir, "satellite.config.ts"),
        [
          `import { defineConfig } from "satellite/config";`,
          `import { HTTP_PORT } from "./lib/ports";`,
          `import path from "node:path";`,
          `export default defineConfig({ dataDir: path.join("var", "state"), server: { httpPort: HTTP_PORT } });`,
        ].join("\n"),
      );
      const { config, file } = loadConfig(undefined, {}, dir);
      assert.equal(file, join(dir, "satellite.config.ts"));
      assert.equal(config.dataDir, join("var", "state"));
      assert.equal(config.server.httpPort, 7001);

      const other = mkdtempSync(join(tmpdir(), "sat-config-mts-"));
      try {
        writeFileSync(join(other, "satellite.config.mts"), `import { defineConfig } from "satellite/config";\nexport default defineConfig({ server: { riemannPort: 6555 } });\n`);
        const found = loadConfig(undefined, {}, other);
        assert.equal(found.file, join(other, "satellite.config.mts"));
        assert.equal(found.config.server.riemannPort, 6555);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says which file and where when a config does not compile, imports what is not there or throws", () => {
    const dir = mkdtempSync(join(tmpdir(), "sat-config-bad-"));
    try {
      writeFileSync(join(dir, "syntax.config.ts"), `import { defineConfig } from "satellite/config";\nexport default defineConfig({ server: { httpPort: 1 }\n`);
      assert.throws(() => loadConfig("syntax.config.ts", {}, dir), (e: unknown) => e instanceof ConfigError && /syntax\.config\.ts:3:1: '\}' expected/.test(e.message));
      writeFileSync(join(dir, "missing.config.ts"), `import { x } from "./nowhere";\nexport default { dataDir: x };\n`);
      assert.throws(() => loadConfig("missing.config.ts", {}, dir), /missing\.config\.ts: does not load: .*missing\.config\.ts: cannot find "\.\/nowhere"/);
      writeFileSync(join(dir, "throws.config.ts"), `throw new Error("no secrets file");\n`);
      assert.throws(() => loadConfig("throws.config.ts", {}, dir), /throws\.config\.ts: does not load: no secrets file/);
      writeFileSync(join(dir, "await.config.ts"), `const port = await Promise.resolve(1);\nexport default { server: { httpPort: port } };\n`);
      assert.throws(() => loadConfig("await.config.ts", {}, dir), /top-level await is not supported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
