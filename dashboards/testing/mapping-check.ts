/**
 * A small model of how Elasticsearch parses a document against a mapping,
 * for the local test server and for tests that check Satellite's documents
 * against Satellite's templates: `strict` objects reject unknown fields
 * (`strict_dynamic_mapping_exception`), `false` ones ignore them, `true`
 * ones accept them through the dynamic templates; values must fit their
 * field's type (`document_parsing_exception`), with Elasticsearch's
 * coercion of numeric strings; `constant_keyword` fields accept only their
 * value. It models what Satellite relies on, not all of Elasticsearch.
 */
import type { DynamicTemplate, FieldMapping, Mappings } from "../es/mappings.ts";

/** Why Elasticsearch would reject a document: the error `type` and `reason` of a bulk item. */
export interface MappingError {
  readonly type: string;
  readonly reason: string;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(text);
}

function jsonType(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "long" : "double";
  if (Array.isArray(value)) return "array";
  return "object";
}

function preview(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function parseError(path: string, type: string, value: unknown): MappingError {
  return {
    type: "document_parsing_exception",
    reason: `[1:2] failed to parse field [${path}] of type [${type}] in document. Preview of field's value: '${preview(value)}'`,
  };
}

function checkLeaf(path: string, field: FieldMapping, value: unknown): MappingError | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const err = checkLeaf(path, field, v);
      if (err) return err;
    }
    return undefined;
  }
  const type = field.type ?? "object";
  switch (type) {
    case "keyword":
    case "text":
    case "match_only_text":
    case "wildcard":
      return typeof value === "object" ? parseError(path, type, value) : undefined;
    case "constant_keyword":
      if (typeof value === "object") return parseError(path, type, value);
      if (field.value !== undefined && preview(value) !== field.value) {
        return {
          type: "document_parsing_exception",
          reason: `[1:2] failed to parse field [${path}] of type [constant_keyword]: [constant_keyword] field [${path}] only accepts values that are equal to the value defined in the mappings [${field.value}], but got [${preview(value)}]`,
        };
      }
      return undefined;
    case "long":
    case "integer":
    case "short":
    case "byte":
    case "float":
    case "half_float":
    case "double":
    case "scaled_float":
    case "unsigned_long": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      return Number.isFinite(n) ? undefined : parseError(path, type, value);
    }
    case "date":
      if (typeof value === "number" && Number.isFinite(value)) return undefined;
      return typeof value === "string" && !Number.isNaN(Date.parse(value)) ? undefined : parseError(path, type, value);
    case "boolean":
      return value === true || value === false || value === "true" || value === "false" || value === "" ? undefined : parseError(path, type, value);
    default:
      return undefined;
  }
}

function dynamicTemplateFor(templates: Mappings["dynamic_templates"], path: string, name: string, value: unknown): DynamicTemplate | undefined {
  for (const entry of templates ?? []) {
    for (const t of Object.values(entry)) {
      if (t.path_match !== undefined && !globMatch(t.path_match, path)) continue;
      if (t.match !== undefined && !globMatch(t.match, name)) continue;
      if (t.match_mapping_type !== undefined && t.match_mapping_type !== "*" && t.match_mapping_type !== jsonType(value)) continue;
      return t;
    }
  }
  return undefined;
}

/** Expands dotted keys ("a.b": 1) into nested objects, as Elasticsearch does before mapping. */
function expandDots(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const parts = key.split(".");
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = node[p];
      if (typeof next === "object" && next !== null && !Array.isArray(next)) node = next as Record<string, unknown>;
      else node = node[p] = {};
    }
    const last = parts[parts.length - 1]!;
    const prev = node[last];
    if (typeof prev === "object" && prev !== null && !Array.isArray(prev) && typeof value === "object" && value !== null && !Array.isArray(value)) {
      node[last] = { ...(prev as Record<string, unknown>), ...(value as Record<string, unknown>) };
    } else {
      node[last] = value;
    }
  }
  return out;
}

function checkObject(
  mappings: Mappings,
  props: Readonly<Record<string, FieldMapping>> | undefined,
  dynamic: boolean | "strict",
  prefix: string,
  obj: Readonly<Record<string, unknown>>,
): MappingError | undefined {
  const expanded = expandDots(obj);
  for (const [name, value] of Object.entries(expanded)) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    const field = props?.[name];
    if (field === undefined) {
      if (dynamic === "strict") {
        return { type: "strict_dynamic_mapping_exception", reason: `[1:2] mapping set to strict, dynamic introduction of [${name}] within [${prefix === "" ? "_doc" : prefix}] is not allowed` };
      }
      if (dynamic === false) continue;
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        const err = checkObject(mappings, undefined, dynamic, path, value as Record<string, unknown>);
        if (err) return err;
        continue;
      }
      const template = dynamicTemplateFor(mappings.dynamic_templates, path, name, Array.isArray(value) ? value[0] : value);
      if (template) {
        const err = checkLeaf(path, template.mapping, value);
        if (err) return err;
      }
      continue;
    }
    const isObject = field.properties !== undefined || field.type === undefined || field.type === "object";
    if (isObject) {
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (v === null) continue;
        if (typeof v !== "object" || Array.isArray(v)) {
          return { type: "document_parsing_exception", reason: `[1:2] object mapping for [${path}] tried to parse field [${name}] as object, but found a concrete value` };
        }
        const err = checkObject(mappings, field.properties, field.dynamic ?? dynamic, path, v as Record<string, unknown>);
        if (err) return err;
      }
      continue;
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return parseError(path, field.type ?? "object", value);
    const err = checkLeaf(path, field, value);
    if (err) return err;
  }
  return undefined;
}

/**
 * The error Elasticsearch would give when indexing `doc` with `mappings`, or
 * undefined when it would index it.
 *
 * @example
 * checkDocument({ dynamic: "strict", properties: { a: { type: "long" } } }, { b: 1 });
 * // { type: "strict_dynamic_mapping_exception", reason: "[1:2] mapping set to strict, dynamic introduction of [b] within [_doc] is not allowed" }
 */
export function checkDocument(mappings: Mappings, doc: unknown): MappingError | undefined {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return { type: "document_parsing_exception", reason: "[1:1] failed to parse: the document must be a JSON object" };
  }
  return checkObject(mappings, mappings.properties, mappings.dynamic ?? true, "", doc as Record<string, unknown>);
}
