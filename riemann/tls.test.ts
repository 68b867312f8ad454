/**
 * Tests of the optional TLS listener, with a self-signed certificate made
 * for the test by the `openssl` command (skipped, saying why, when openssl
 * is not installed): events and queries over TLS, and client certificates
 * required only when configured.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { makeEvent } from "../streams/event.ts";
import { RiemannClient } from "./client.ts";
import { startRiemannServer, type RiemannServer } from "./server.ts";
import { recordingEngine, withTimeout, type RecordingEngine } from "./test-support.ts";

const TIMEOUT = 5000;

/** A self-signed certificate for 127.0.0.1, or the reason none could be made. */
function selfSigned(): { key: string; cert: string } | string {
  const dir = mkdtempSync(path.join(tmpdir(), "satellite-tls-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      { stdio: "ignore", timeout: 30_000 },
    );
    return { key: readFileSync(path.join(dir, "key.pem"), "utf8"), cert: readFileSync(path.join(dir, "cert.pem"), "utf8") };
  } catch (err) {
    return `openssl is not available to make a test certificate (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pair = selfSigned();
const skip = typeof pair === "string" ? pair : false;

describe("Riemann over TLS", { skip }, () => {
  const { key, cert } = pair as { key: string; cert: string };

  describe("without client certificates", () => {
    let rec: RecordingEngine;
    let server: RiemannServer;
    before(async () => {
      rec = recordingEngine();
      server = await startRiemannServer({ engine: rec.engine, port: 0, tcp: false, udp: false, tls: { port: 0, key, cert } });
    });
    after(() => server.close());

    it("accepts events and answers queries", async () => {
      assert.equal(server.tcpPort, undefined);
      const client = await withTimeout(RiemannClient.connect({ port: server.tlsPort!, tls: { ca: cert } }), TIMEOUT, "TLS connect");
      try {
        const reply = await withTimeout(client.sendEvents([makeEvent({ host: "tls1", service: "s", time: rec.clock.now(), metric: 2 })]), TIMEOUT, "ack");
        assert.equal(reply.ok, true);
        const found = await withTimeout(client.query('host = "tls1"'), TIMEOUT, "query");
        assert.equal(found.events?.length, 1);
      } finally {
        client.close();
      }
    });

    it("a client that does not trust the certificate cannot connect", async () => {
      await assert.rejects(withTimeout(RiemannClient.connect({ port: server.tlsPort!, tls: {} }), TIMEOUT, "TLS connect"), /self[- ]signed/i);
    });
  });

  it("closes a TLS connection over maxConnections before the handshake, without crashing", async () => {
    const rec = recordingEngine();
    const server = await startRiemannServer({ engine: rec.engine, port: 0, tcp: false, udp: false, maxConnections: 1, tls: { port: 0, key, cert } });
    try {
      const first = await withTimeout(RiemannClient.connect({ port: server.tlsPort!, tls: { ca: cert } }), TIMEOUT, "first TLS connect");
      await assert.rejects(withTimeout(RiemannClient.connect({ port: server.tlsPort!, tls: { ca: cert } }), TIMEOUT, "second TLS connect"), /socket|ECONNRESET|disconnected/i);
      assert.equal(server.stats.connectionsRejected, 1);
      assert.equal((await withTimeout(first.send({}), TIMEOUT, "first still served")).ok, true);
      first.close();
    } finally {
      await server.close();
    }
  });

  describe("with client certificates required", () => {
    let rec: RecordingEngine;
    let server: RiemannServer;
    before(async () => {
      rec = recordingEngine();
      // The self-signed certificate is its own CA, so it also serves as the client's certificate.
      server = await startRiemannServer({ engine: rec.engine, port: 0, tcp: false, udp: false, tls: { port: 0, key, cert, ca: cert, requireClientCert: true } });
    });
    after(() => server.close());

    it("serves a client presenting a certificate signed by the CA", async () => {
      const client = await withTimeout(RiemannClient.connect({ port: server.tlsPort!, tls: { ca: cert, key, cert } }), TIMEOUT, "TLS connect");
      try {
        const reply = await withTimeout(client.sendEvents([makeEvent({ host: "tls2", service: "s", time: rec.clock.now() })]), TIMEOUT, "ack");
        assert.equal(reply.ok, true);
      } finally {
        client.close();
      }
    });

    it("refuses a client without a certificate", async () => {
      const attempt = (async () => {
        const client = await RiemannClient.connect({ port: server.tlsPort!, tls: { ca: cert } });
        // With TLS 1.3 the refusal arrives after the client's handshake completes: the first request fails.
        try {
          return await client.sendEvents([makeEvent({ host: "tls-refused", service: "s", time: rec.clock.now() })]);
        } finally {
          client.close();
        }
      })();
      await assert.rejects(withTimeout(attempt, TIMEOUT, "refusal"), /certificate|closed|ECONNRESET|alert/i);
      assert.equal(rec.engine.index.lookup("tls-refused", "s"), undefined);
    });
  });
});
