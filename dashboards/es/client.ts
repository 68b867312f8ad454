/**
 * Builds the `@elastic/elasticsearch` client Satellite uses, with the
 * settings the sink and the installer rely on: no retries inside the client
 * (the sink retries with its own backoff, so an outage shows up in its
 * counters instead of inside one long request), a request timeout (client
 * 9.x has none by default), and API-key or basic authentication.
 */
import { Client } from "@elastic/elasticsearch";

/** How to reach and authenticate to a cluster. */
export interface ClientSettings {
  readonly node: string;
  readonly apiKey?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Default 30. */
  readonly requestTimeoutSeconds?: number | undefined;
}

/**
 * A client for `settings.node`. The client's product check applies: every
 * successful response must carry `x-elastic-product: Elasticsearch`, and
 * client 9.x speaks to Elasticsearch 9 (its `compatible-with=9` headers are
 * refused by Elasticsearch 8).
 *
 * @example
 * const client = createElasticsearchClient({ node: process.env.ELASTICSEARCH_URL!, apiKey: process.env.ES_API_KEY });
 */
export function createElasticsearchClient(settings: ClientSettings): Client {
  const auth = settings.apiKey !== undefined ? { apiKey: settings.apiKey } : settings.username !== undefined ? { username: settings.username, password: settings.password ?? "" } : undefined;
  return new Client({
    node: settings.node,
    ...(auth ? { auth } : {}),
    maxRetries: 0,
    requestTimeout: (settings.requestTimeoutSeconds ?? 30) * 1000,
  });
}
