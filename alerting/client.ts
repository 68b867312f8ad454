/**
 * A small HTTP client of the alerting API, for the `satellite silence`,
 * `satellite alerts` and `satellite maintenance` commands: it talks to a
 * running Satellite (default http://127.0.0.1:5001) with the bearer token
 * from `SATELLITE_API_TOKEN`, and turns `{error}` answers into errors that
 * carry the status and the server's message.
 */
import type { AlertView, HistoryEntry, MaintenanceView, SilenceView } from "./alerting.ts";
import type { Matcher } from "./matchers.ts";

/** Where the CLI finds the API unless told otherwise. */
export const DEFAULT_API_URL = "http://127.0.0.1:5001";

/**
 * A failed API call: `status` is the HTTP status (0 when the server could
 * not be reached), the message the server's `error`.
 *
 * @example
 * try { await client.expireSilence(99); } catch (e) { if (e instanceof ApiError && e.status === 404) ... }
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The body of a new silence, as `POST /silences` takes it. */
export interface NewSilence {
  readonly matchers: readonly Matcher[];
  readonly startsAt?: string | number;
  readonly endsAt?: string | number;
  readonly durationSeconds?: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** The body of a new maintenance window, as `POST /maintenance` takes it. */
export interface NewMaintenance {
  readonly host: string;
  readonly startsAt?: string | number;
  readonly endsAt?: string | number;
  readonly durationSeconds?: number;
  readonly createdBy: string;
  readonly reason: string;
}

/**
 * The alerting API over HTTP.
 *
 * @example
 * const client = new AlertingClient("http://127.0.0.1:5001", process.env.SATELLITE_API_TOKEN);
 * const firing = await client.listAlerts({ state: "firing" });
 */
export class AlertingClient {
  private readonly base: string;

  constructor(
    base: string = DEFAULT_API_URL,
    private readonly token: string | undefined = undefined,
  ) {
    this.base = base.replace(/\/+$/, "");
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token !== undefined && this.token !== "") headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
      throw new ApiError(0, `cannot reach ${this.base}${cause}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      throw new ApiError(res.status, `${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = json as { error?: unknown; field?: unknown };
      throw new ApiError(res.status, typeof e.error === "string" ? e.error : `HTTP ${res.status}`, typeof e.field === "string" ? e.field : undefined);
    }
    return json as T;
  }

  /** `GET /alerts` with query filters (state, rule, host, since, limit, include). */
  async listAlerts(query: Readonly<Record<string, string | undefined>> = {}): Promise<AlertView[]> {
    return (await this.call<{ alerts: AlertView[] }>("GET", `/alerts${queryString(query)}`)).alerts;
  }

  /** `GET /alerts/:id?include=history`. */
  async getAlert(id: number): Promise<AlertView> {
    return (await this.call<{ alert: AlertView }>("GET", `/alerts/${id}?include=history`)).alert;
  }

  /** `GET /alerts/history` with query filters (since, kind, rule, host, limit). */
  async history(query: Readonly<Record<string, string | undefined>> = {}): Promise<HistoryEntry[]> {
    return (await this.call<{ history: HistoryEntry[] }>("GET", `/alerts/history${queryString(query)}`)).history;
  }

  /** `POST /alerts/:id/resolve`. */
  async resolveAlert(id: number, by: string, comment?: string): Promise<AlertView> {
    return (await this.call<{ alert: AlertView }>("POST", `/alerts/${id}/resolve`, { by, ...(comment === undefined ? {} : { comment }) })).alert;
  }

  /** `GET /silences?state=`. */
  async listSilences(state?: string): Promise<SilenceView[]> {
    return (await this.call<{ silences: SilenceView[] }>("GET", `/silences${queryString({ state })}`)).silences;
  }

  /** `POST /silences`. */
  async createSilence(silence: NewSilence): Promise<SilenceView> {
    return (await this.call<{ silence: SilenceView }>("POST", "/silences", silence)).silence;
  }

  /** `DELETE /silences/:id`. */
  async expireSilence(id: number): Promise<SilenceView> {
    return (await this.call<{ silence: SilenceView }>("DELETE", `/silences/${id}`)).silence;
  }

  /** `GET /maintenance?state=&host=`. */
  async listMaintenance(query: Readonly<Record<string, string | undefined>> = {}): Promise<MaintenanceView[]> {
    return (await this.call<{ maintenance: MaintenanceView[] }>("GET", `/maintenance${queryString(query)}`)).maintenance;
  }

  /** `POST /maintenance`. */
  async startMaintenance(m: NewMaintenance): Promise<MaintenanceView> {
    return (await this.call<{ maintenance: MaintenanceView }>("POST", "/maintenance", m)).maintenance;
  }

  /** `DELETE /maintenance/:id`. */
  async endMaintenance(id: number): Promise<MaintenanceView> {
    return (await this.call<{ maintenance: MaintenanceView }>("DELETE", `/maintenance/${id}`)).maintenance;
  }
}

function queryString(query: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, v);
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}
