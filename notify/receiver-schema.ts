/**
 * Validation of Events API v2 alert events as PagerDuty documents them (the
 * "Send an Alert Event" page and the OpenAPI schema): the rules the
 * PagerDuty-compatible receiver applies before answering 202, so a body our
 * notifier builds is checked against the contract in tests, not against our
 * own builder. Returns the list of problems; empty means valid.
 */

/** Largest accepted body, in bytes (PagerDuty's 512 KB, counted as Alertmanager does). */
export const RECEIVER_MAX_BYTES = 512_000;

const ACTIONS = ["trigger", "acknowledge", "resolve"];
const SEVERITIES = ["critical", "error", "warning", "info"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optionalString(errors: string[], obj: Record<string, unknown>, field: string, where: string): void {
  if (obj[field] !== undefined && typeof obj[field] !== "string") errors.push(`'${where}${field}' must be a string`);
}

/**
 * The problems of an Events v2 alert event body (already parsed from JSON).
 *
 * @example
 * validateEventV2({ routing_key: "x", event_action: "trigger" });
 * // ["Length of 'routing_key' is incorrect (should be 32 characters)", "'payload' is missing or not an object"]
 */
export function validateEventV2(body: unknown): string[] {
  const errors: string[] = [];
  if (!isObject(body)) return ["Event object must be a JSON object"];
  if (typeof body.routing_key !== "string") errors.push("'routing_key' is missing or not a string");
  else if (body.routing_key.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  const action = body.event_action;
  if (typeof action !== "string" || !ACTIONS.includes(action)) errors.push(`'event_action' must be one of ${ACTIONS.join(", ")}`);
  if (body.dedup_key !== undefined) {
    if (typeof body.dedup_key !== "string") errors.push("'dedup_key' must be a string");
    else if (body.dedup_key.length > 255) errors.push("'dedup_key' must be at most 255 characters");
    else if (body.dedup_key === "") errors.push("'dedup_key' must not be empty");
  } else if (action === "acknowledge" || action === "resolve") {
    errors.push(`'dedup_key' is required for ${action} events`);
  }
  if (action === "trigger") {
    const p = body.payload;
    if (!isObject(p)) {
      errors.push("'payload' is missing or not an object");
    } else {
      if (typeof p.summary !== "string" || p.summary === "") errors.push("'payload.summary' is missing");
      else if (p.summary.length > 1024) errors.push("'payload.summary' must be at most 1024 characters");
      if (typeof p.source !== "string" || p.source === "") errors.push("'payload.source' is missing");
      if (p.severity === undefined) errors.push("'payload.severity' is missing");
      else if (typeof p.severity !== "string" || !SEVERITIES.includes(p.severity)) errors.push(`'payload.severity' must be one of ${SEVERITIES.join(", ")}`);
      if (p.timestamp !== undefined && (typeof p.timestamp !== "string" || Number.isNaN(Date.parse(p.timestamp)))) errors.push("'payload.timestamp' must be an ISO 8601 date-time");
      for (const f of ["component", "group", "class"]) optionalString(errors, p, f, "payload.");
      if (p.custom_details !== undefined && !isObject(p.custom_details)) errors.push("'payload.custom_details' must be an object");
    }
  }
  if (body.links !== undefined) {
    if (!Array.isArray(body.links)) errors.push("'links' must be an array");
    else if (!body.links.every((l) => isObject(l) && typeof l.href === "string" && l.href !== "")) errors.push("every entry of 'links' needs an 'href'");
  }
  if (body.images !== undefined) {
    if (!Array.isArray(body.images)) errors.push("'images' must be an array");
    else if (!body.images.every((i) => isObject(i) && typeof i.src === "string" && i.src.startsWith("https://"))) errors.push("every entry of 'images' needs an HTTPS 'src'");
  }
  optionalString(errors, body, "client", "");
  optionalString(errors, body, "client_url", "");
  return errors;
}
