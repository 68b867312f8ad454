/**
 * A minimal multipart/form-data parser (RFC 7578) for the local Kibana
 * server: splits a body on its boundary and returns each part's name,
 * filename, content type and bytes. Test support only; it holds the whole
 * body in memory.
 */

/** One part of a multipart body. */
export interface FormPart {
  readonly name: string | undefined;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly data: Buffer;
}

/**
 * The boundary of a `multipart/form-data; boundary=...` content type, or undefined.
 *
 * @example
 * boundaryOf("multipart/form-data; boundary=xyz"); // "xyz"
 */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function param(header: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}="([^"]*)"`, "i").exec(header) ?? new RegExp(`;\\s*${name}=([^;\\s]+)`, "i").exec(header);
  return m?.[1];
}

/**
 * The parts of `body`, or undefined when it is not a well-formed multipart body for `boundary`.
 *
 * @example
 * parseMultipart(body, boundaryOf(req.headers["content-type"])!)?.find((p) => p.name === "file");
 */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") return parts;
    if (body.subarray(pos, pos + 2).toString() !== "\r\n") return undefined;
    pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) return undefined;
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) return undefined;
    const disposition = headers.get("content-disposition") ?? "";
    parts.push({ name: param(disposition, "name"), filename: param(disposition, "filename"), contentType: headers.get("content-type"), data: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
}
