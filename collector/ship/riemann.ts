/**
 * The Riemann-protocol transport: sends each batch as one `Msg` over TCP
 * (riemann/client.ts) to one engine and waits for its reply. Satellite's
 * agents sent every event to every master; `riemannTransports` gives one
 * transport per engine, and the shipping layer runs one shipper (with its
 * own buffer) per transport, so each engine gets every batch and an engine
 * that is down delays only its own copy. The reply's "N of M events
 * rejected" means the rest were processed: the batch counts as delivered,
 * the refused events as rejected (resending them cannot help).
 */
import type { ConnectionOptions } from "node:tls";
import { RiemannClient } from "../../riemann/client.ts";
import type { Clock } from "../../streams/clock.ts";
import { PermanentSendError, type Batch, type SendResult, type Transport } from "./transport.ts";

/** One engine's Riemann port. */
export interface RiemannEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Settings of a `RiemannTransport`. */
export interface RiemannTransportOptions extends RiemannEndpoint {
  /** Times connecting and each reply. */
  readonly clock: Clock;
  /** Seconds to connect or to get a reply before the send fails. Default 10. */
  readonly timeoutSeconds?: number;
  /** Connect with TLS using these options. */
  readonly tls?: ConnectionOptions;
}

/** Defaults of `RiemannTransportOptions`, in one place. */
export const RIEMANN_TRANSPORT_DEFAULTS = Object.freeze({ timeoutSeconds: 10 });

/**
 * Parses "host:port" (IPv6 as "[::1]:5555").
 *
 * @example
 * parseEndpoint("10.0.0.5:5555"); // { host: "10.0.0.5", port: 5555 }
 */
export function parseEndpoint(text: string, field = "riemann"): RiemannEndpoint {
  const m = /^(?:\[([^\]]+)\]|([^\s:]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port > 0 && port < 65536)) throw new Error(`${field} must be host:port, got ${JSON.stringify(text)}`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Runs `work` with a deadline on `clock`; `onTimeout` cleans up. */
function withDeadline<T>(clock: Clock, seconds: number, what: string, work: Promise<T>, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimer(clock.now() + seconds, () => {
      onTimeout();
      reject(new Error(`${what}: no answer within ${seconds} s`));
    });
    work.then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (err: unknown) => {
        timer.cancel();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Sends batches to one engine's Riemann TCP port. Connects on the first
 * send and after a failure.
 *
 * @example
 * const transport = new RiemannTransport({ host: "10.0.0.5", port: 5555, clock });
 * await transport.send({ producer: "p", seq: 0, events });
 */
export class RiemannTransport implements Transport {
  readonly name: string;
  private client: RiemannClient | undefined;
  private readonly timeout: number;

  constructor(private readonly options: RiemannTransportOptions) {
    this.timeout = options.timeoutSeconds ?? RIEMANN_TRANSPORT_DEFAULTS.timeoutSeconds;
    if (!(this.timeout > 0)) throw new RangeError(`collector riemann timeoutSeconds must be a positive number, got ${String(options.timeoutSeconds)}`);
    this.name = `riemann ${options.host}:${options.port}`;
  }

  async send(batch: Batch): Promise<SendResult> {
    const { clock } = this.options;
    try {
      if (this.client === undefined) {
        const connecting = RiemannClient.connect({ host: this.options.host, port: this.options.port, tls: this.options.tls });
        this.client = await withDeadline(clock, this.timeout, `connecting to ${this.name}`, connecting, () => void connecting.then((c) => c.close(), () => undefined));
      }
      const client = this.client;
      const reply = await withDeadline(clock, this.timeout, this.name, client.sendEvents(batch.events), () => client.close());
      if (reply.ok === true) return { rejected: 0 };
      const error = reply.error ?? "the engine answered ok: false";
      const partial = /^(\d+) of (\d+) events rejected/.exec(error);
      if (partial !== null) return { rejected: Number(partial[1]) };
      if (error.startsWith("invalid message")) throw new PermanentSendError(`${this.name}: ${error}`);
      throw new Error(`${this.name}: ${error}`);
    } catch (err) {
      if (!(err instanceof PermanentSendError)) this.disconnect();
      throw err;
    }
  }

  close(): Promise<void> {
    this.disconnect();
    return Promise.resolve();
  }

  private disconnect(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/**
 * One transport per engine, for sending every batch to each (Satellite's
 * fan-out to all masters).
 *
 * @example
 * const transports = riemannTransports(["10.0.0.5:5555", "10.0.0.6:5555"], clock);
 */
export function riemannTransports(endpoints: readonly string[], clock: Clock, timeoutSeconds?: number): RiemannTransport[] {
  return endpoints.map((text, i) => new RiemannTransport({ ...parseEndpoint(text, `riemann[${i}]`), clock, timeoutSeconds }));
}
