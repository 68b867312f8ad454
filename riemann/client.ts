/**
 * A small Riemann TCP/TLS client built on our own codec: pipelined requests
 * (any number in flight, replies matched in order), used by the tests, the
 * benchmark's load generator, and anyone who wants to talk to a Riemann
 * port from TypeScript. It is not the independent client the protocol is
 * checked against (that is the npm `riemann` package, in the tests).
 */
import net from "node:net";
import tls from "node:tls";
import type { Event } from "../streams/event.ts";
import { eventToRiemann } from "./codec.ts";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import { decodeMsg, encodeMsg, type PbMsg } from "./schema.ts";

/** Where and how to connect. */
export interface RiemannClientOptions {
  readonly host?: string;
  readonly port: number;
  /** Connect with TLS using these options (ca, cert, key, servername, ...). */
  readonly tls?: tls.ConnectionOptions;
  /** Largest reply accepted, bytes. Default 256 MiB. */
  readonly maxFrameBytes?: number;
}

interface Pending {
  resolve(reply: Buffer): void;
  reject(err: Error): void;
}

/**
 * A connected client. `request` sends one frame body and resolves with the
 * reply body; requests may overlap (pipelining) and are answered in order.
 * When the connection fails or closes, every pending request rejects.
 *
 * @example
 * const client = await RiemannClient.connect({ port: 5555 });
 * const reply = await client.send({ events: [eventToRiemann(e)] }); // { ok: true }
 * const found = await client.query('service = "cpu"');               // Event-like protobuf events
 * client.close();
 */
export class RiemannClient {
  private readonly pending: Pending[] = [];
  /** Reply frames that arrived with no request waiting (e.g. a refusal sent on connect). */
  readonly unsolicited: Buffer[] = [];
  private failure: Error | undefined;
  private readonly decoder: FrameDecoder;

  private constructor(readonly socket: net.Socket, maxFrameBytes: number) {
    this.decoder = new FrameDecoder(maxFrameBytes, {
      onFrame: (frame) => {
        const p = this.pending.shift();
        if (p === undefined) this.unsolicited.push(Buffer.from(frame));
        else p.resolve(Buffer.from(frame));
      },
      onOversize: (length) => this.fail(new Error(`reply of ${length} bytes is over the client's limit`)),
    });
    socket.on("data", (chunk: Buffer) => this.decoder.push(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed")));
  }

  /**
   * Connects (TCP, or TLS when `options.tls` is set) and resolves once the
   * connection (and handshake) is up.
   */
  static connect(options: RiemannClientOptions): Promise<RiemannClient> {
    const host = options.host ?? "127.0.0.1";
    const max = options.maxFrameBytes ?? 256 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const socket =
        options.tls === undefined
          ? net.connect({ host, port: options.port, noDelay: true })
          : tls.connect({ host, port: options.port, ...options.tls });
      const ready = options.tls === undefined ? "connect" : "secureConnect";
      const onError = (err: Error): void => reject(err);
      socket.once("error", onError);
      socket.once(ready, () => {
        socket.off("error", onError);
        socket.setNoDelay(true);
        resolve(new RiemannClient(socket, max));
      });
    });
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** Sends a ready frame body (no prefix) and resolves with the reply body. */
  request(body: Uint8Array): Promise<Buffer> {
    return this.requestFrame(encodeFrame(body));
  }

  /** Sends bytes that already carry their length prefix; resolves with the reply body. */
  requestFrame(frame: Uint8Array): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(frame);
    });
  }

  /** Sends a message and resolves with the decoded reply. */
  async send(msg: PbMsg): Promise<PbMsg> {
    return decodeMsg(await this.request(encodeMsg(msg)));
  }

  /** Sends events (encoded as Riemann does) and resolves with the reply. */
  sendEvents(events: readonly Event[]): Promise<PbMsg> {
    return this.send({ events: events.map(eventToRiemann) });
  }

  /** Runs a query and resolves with the reply (`events` holds the matches). */
  query(query: string): Promise<PbMsg> {
    return this.send({ query: { string: query } });
  }

  /** Closes the connection; pending requests reject. */
  close(): void {
    this.socket.end();
    this.socket.destroySoon();
  }

  private fail(err: Error): void {
    if (this.failure === undefined) this.failure = err;
    const waiting = this.pending.splice(0);
    for (const p of waiting) p.reject(err);
  }
}
