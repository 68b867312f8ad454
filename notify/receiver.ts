/**
 * A PagerDuty-compatible Events API v2 receiver for tests and the local
 * demo: `POST /v2/enqueue` validated against the documented schema and
 * answered as PagerDuty does (202 with the dedup key, 400 "invalid event"
 * with errors), with switchable failure modes (429, 500, slow answers) and
 * scripted responses, and PagerDuty's alert de-duplication model per
 * (routing key, dedup key): a trigger opens an incident or adds to the open
 * one, acknowledge/resolve act on the open one or are dropped. Tests assert
 * on `received`, `requests` and `incidents()`. `GET /` returns a summary
 * (routing keys masked). Delays of the slow mode are real milliseconds: this
 * is a stand-in for a remote server, not part of the engine.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RECEIVER_MAX_BYTES, validateEventV2 } from "./receiver-schema.ts";

/** How the receiver answers valid events: normally, 429, 500, or late (after accepting them). */
export type ReceiverMode = "ok" | "429" | "500" | "slow";

/** Options of `setMode`: `delayMs` of the slow mode (default 30 000), `times` = only the next N requests, then back to "ok". */
export interface ModeOptions {
  readonly delayMs?: number;
  readonly times?: number;
}

/**
 * One scripted answer, used before the mode applies, for the first request
 * that matches `dedupKey` (any request when absent). `ingest` (default:
 * status is 2xx) = record the event.
 */
export interface ScriptedResponse {
  readonly status: number;
  readonly dedupKey?: string;
  readonly body?: unknown;
  readonly delayMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly ingest?: boolean;
}

/** What an accepted event did to the receiver's incidents, following PagerDuty's rules. */
export type EventEffect = "opened" | "deduplicated" | "acknowledged" | "resolved" | "dropped";

/** An accepted (202) event. */
export interface ReceivedEvent {
  readonly seq: number;
  readonly routingKey: string;
  readonly action: "trigger" | "acknowledge" | "resolve";
  readonly dedupKey: string;
  readonly payload?: Record<string, unknown>;
  readonly links?: unknown[];
  readonly client?: string;
  readonly clientUrl?: string;
  /** Size of the request body in bytes. */
  readonly bytes: number;
  readonly effect: EventEffect;
  readonly incidentId?: string;
}

/** Every request, valid or not, with the status it got. */
export interface ReceiverRequest {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly bytes: number;
  readonly action?: string;
  readonly dedupKey?: string;
  readonly errors?: readonly string[];
}

/** An incident as the receiver tracks it: one per trigger that found no open incident for its (routing key, dedup key). */
export interface ReceiverIncident {
  readonly id: string;
  readonly routingKey: string;
  readonly dedupKey: string;
  status: "open" | "acknowledged" | "resolved";
  summary: string;
  severity: string;
  /** Triggers folded into this incident (the opening one included). */
  triggers: number;
}

/** Options of `startPagerDutyReceiver`. */
export interface ReceiverOptions {
  /** 0 (default) = any free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Called for every accepted event (the demo command prints it). */
  readonly onEvent?: (e: ReceivedEvent, incident: ReceiverIncident | undefined) => void;
}

/** A running receiver. */
export interface PagerDutyReceiver {
  /** The events URL, `http://host:port/v2/enqueue`. */
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedEvent[];
  readonly requests: ReceiverRequest[];
  /** Sets how valid events are answered from now on. */
  setMode(mode: ReceiverMode, options?: ModeOptions): void;
  /** Queues answers for the next requests, in order, before the mode applies. */
  script(...responses: ScriptedResponse[]): void;
  /** Incidents, of one dedup key or all, in the order they were opened. */
  incidents(dedupKey?: string): ReceiverIncident[];
  /** Resolves once at least `n` requests have arrived (answered or not). */
  waitForRequests(n: number): Promise<void>;
  /** Stops listening, drops open connections and pending slow answers. */
  close(): Promise<void>;
}

function mask(key: string): string {
  return key.length <= 4 ? "****" : `…${key.slice(-4)}`;
}

/**
 * Starts a receiver on 127.0.0.1 (port 0 = any free port).
 *
 * @example
 * const pd = await startPagerDutyReceiver({ port: 0 });
 * // PAGERDUTY_EVENTS_URL = pd.url
 * pd.setMode("500", { times: 3 });
 * pd.incidents("disk-full/web-1").length; // number of incidents opened for that key
 * await pd.close();
 */
export async function startPagerDutyReceiver(options: ReceiverOptions = {}): Promise<PagerDutyReceiver> {
  const host = options.host ?? "127.0.0.1";
  const received: ReceivedEvent[] = [];
  const requests: ReceiverRequest[] = [];
  const incidents: ReceiverIncident[] = [];
  const open = new Map<string, ReceiverIncident>();
  const scripted: ScriptedResponse[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let mode: ReceiverMode = "ok";
  let modeDelayMs = 30_000;
  let modeTimes = Infinity;
  let seq = 0;

  function noteRequest(r: ReceiverRequest): void {
    requests.push(r);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (requests.length >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
    }
  }

  function ingest(body: Record<string, unknown>, bytes: number, s: number): ReceivedEvent {
    const action = body.event_action as ReceivedEvent["action"];
    const routingKey = body.routing_key as string;
    const dedupKey = typeof body.dedup_key === "string" ? body.dedup_key : randomUUID();
    const id = `${routingKey}\u0000${dedupKey}`;
    let incident = open.get(id);
    let effect: EventEffect;
    const payload = body.payload as Record<string, unknown> | undefined;
    if (action === "trigger") {
      if (incident === undefined) {
        incident = { id: randomUUID(), routingKey, dedupKey, status: "open", summary: String(payload?.summary), severity: String(payload?.severity), triggers: 1 };
        incidents.push(incident);
        open.set(id, incident);
        effect = "opened";
      } else {
        incident.triggers++;
        effect = "deduplicated";
      }
    } else if (incident === undefined) {
      effect = "dropped";
    } else if (action === "acknowledge") {
      incident.status = "acknowledged";
      effect = "acknowledged";
    } else {
      incident.status = "resolved";
      open.delete(id);
      effect = "resolved";
    }
    const event: ReceivedEvent = {
      seq: s,
      routingKey,
      action,
      dedupKey,
      ...(payload !== undefined ? { payload } : {}),
      ...(Array.isArray(body.links) ? { links: body.links as unknown[] } : {}),
      ...(typeof body.client === "string" ? { client: body.client } : {}),
      ...(typeof body.client_url === "string" ? { clientUrl: body.client_url } : {}),
      bytes,
      effect,
      ...(effect !== "dropped" ? { incidentId: incident!.id } : {}),
    };
    received.push(event);
    options.onEvent?.(event, effect === "dropped" ? undefined : incident);
    return event;
  }

  function answer(res: ServerResponse, status: number, body: unknown, delayMs = 0, headers: Readonly<Record<string, string>> = {}): void {
    const send = (): void => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (delayMs <= 0) {
      send();
      return;
    }
    const t = setTimeout(() => {
      pendingTimers.delete(t);
      send();
    }, delayMs);
    pendingTimers.add(t);
  }

  function nextMode(): ReceiverMode {
    const m = mode;
    if (m !== "ok" && --modeTimes <= 0) {
      mode = "ok";
      modeTimes = Infinity;
    }
    return m;
  }

  function handleEvent(req: IncomingMessage, res: ServerResponse, raw: Buffer, tooLarge: boolean): void {
    const s = ++seq;
    const bytes = raw.length;
    const invalid = (errors: string[], extra: Partial<ReceiverRequest> = {}): void => {
      noteRequest({ seq: s, method: "POST", path: req.url ?? "", status: 400, bytes, errors, ...extra });
      answer(res, 400, { status: "invalid event", message: "Event object is invalid", errors });
    };
    if (tooLarge) return invalid([`Event object is larger than ${RECEIVER_MAX_BYTES} bytes`]);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return invalid(["Invalid JSON in request body"]);
    }
    const obj = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const ids = {
      ...(typeof obj.event_action === "string" ? { action: obj.event_action } : {}),
      ...(typeof obj.dedup_key === "string" ? { dedupKey: obj.dedup_key } : {}),
    };
    const at = scripted.findIndex((r) => r.dedupKey === undefined || r.dedupKey === ids.dedupKey);
    const script = at >= 0 ? scripted.splice(at, 1)[0] : undefined;
    if (script !== undefined) {
      const ok = script.ingest ?? (script.status >= 200 && script.status < 300);
      let dedupKey = ids.dedupKey;
      if (ok && validateEventV2(body).length === 0) dedupKey = ingest(obj, bytes, s).dedupKey;
      noteRequest({ seq: s, method: "POST", path: req.url ?? "", status: script.status, bytes, ...ids, ...(dedupKey !== undefined ? { dedupKey } : {}) });
      const reply = script.body ?? (script.status >= 200 && script.status < 300 ? { status: "success", message: "Event processed", dedup_key: dedupKey } : { status: "error", message: `scripted ${script.status}` });
      return answer(res, script.status, reply, script.delayMs ?? 0, script.headers);
    }
    const errors = validateEventV2(body);
    if (errors.length > 0) return invalid(errors, ids);
    const m = nextMode();
    if (m === "429") {
      noteRequest({ seq: s, method: "POST", path: req.url ?? "", status: 429, bytes, ...ids });
      return answer(res, 429, { status: "throttle exceeded", message: "Requests for this service are arriving too quickly. Please retry later." });
    }
    if (m === "500") {
      noteRequest({ seq: s, method: "POST", path: req.url ?? "", status: 500, bytes, ...ids });
      return answer(res, 500, { status: "error", message: "Internal server error" });
    }
    const event = ingest(obj, bytes, s);
    noteRequest({ seq: s, method: "POST", path: req.url ?? "", status: 202, bytes, ...ids, dedupKey: event.dedupKey });
    answer(res, 202, { status: "success", message: "Event processed", dedup_key: event.dedupKey }, m === "slow" ? modeDelayMs : 0);
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/") {
      const summary = {
        received: received.length,
        requests: requests.length,
        mode,
        incidents: incidents.map((i) => ({ ...i, routingKey: mask(i.routingKey) })),
      };
      return answer(res, 200, summary);
    }
    if (path !== "/v2/enqueue") {
      req.resume();
      noteRequest({ seq: ++seq, method: req.method ?? "", path: req.url ?? "", status: 404, bytes: 0 });
      return answer(res, 404, { status: "not found", message: `no such endpoint: ${req.method} ${path}` });
    }
    if (req.method !== "POST") {
      req.resume();
      noteRequest({ seq: ++seq, method: req.method ?? "", path: req.url ?? "", status: 405, bytes: 0 });
      return answer(res, 405, { status: "method not allowed", message: "use POST" });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= RECEIVER_MAX_BYTES) chunks.push(c);
    });
    req.on("end", () => handleEvent(req, res, Buffer.concat(chunks), size > RECEIVER_MAX_BYTES));
    req.on("error", () => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}/v2/enqueue`,
    port,
    received,
    requests,
    setMode(m, o = {}) {
      mode = m;
      modeDelayMs = o.delayMs ?? 30_000;
      modeTimes = o.times ?? Infinity;
    },
    script(...responses) {
      scripted.push(...responses);
    },
    incidents(dedupKey) {
      return dedupKey === undefined ? [...incidents] : incidents.filter((i) => i.dedupKey === dedupKey);
    },
    waitForRequests(n) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      for (const t of pendingTimers) clearTimeout(t);
      pendingTimers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
