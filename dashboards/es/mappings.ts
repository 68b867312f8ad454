/**
 * Elasticsearch mappings as plain data, and the two operations Satellite
 * needs on them: merging the mappings of an index template's component
 * templates the way Elasticsearch composes them (later wins, objects merge
 * property by property), and listing the leaf fields with their types (what
 * a Kibana visualization may refer to).
 */

/** One field or object of a mapping (the subset of Elasticsearch's mapping parameters Satellite uses). */
export interface FieldMapping {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, FieldMapping>>;
  readonly dynamic?: boolean | "strict";
  readonly value?: string;
  readonly scaling_factor?: number;
  readonly ignore_above?: number;
}

/** The `mappings` of a template. */
export interface Mappings {
  readonly dynamic?: boolean | "strict";
  readonly date_detection?: boolean;
  readonly numeric_detection?: boolean;
  readonly dynamic_templates?: readonly Readonly<Record<string, DynamicTemplate>>[];
  readonly properties?: Readonly<Record<string, FieldMapping>>;
}

/** A dynamic template: which new fields it matches and how it maps them. */
export interface DynamicTemplate {
  readonly path_match?: string;
  readonly match?: string;
  readonly match_mapping_type?: string;
  readonly mapping: FieldMapping;
}

function mergeProperties(a: Readonly<Record<string, FieldMapping>> | undefined, b: Readonly<Record<string, FieldMapping>> | undefined): Record<string, FieldMapping> | undefined {
  if (a === undefined) return b === undefined ? undefined : { ...b };
  if (b === undefined) return { ...a };
  const out: Record<string, FieldMapping> = { ...a };
  for (const [name, field] of Object.entries(b)) {
    const prev = out[name];
    out[name] = prev === undefined ? field : mergeField(prev, field);
  }
  return out;
}

function mergeField(a: FieldMapping, b: FieldMapping): FieldMapping {
  const properties = mergeProperties(a.properties, b.properties);
  const merged: FieldMapping = { ...a, ...b };
  return properties === undefined ? merged : { ...merged, properties };
}

/**
 * Merges mappings in order, as Elasticsearch composes an index template
 * from its component templates and then its own `template.mappings`: root
 * parameters of later mappings win, properties merge recursively, dynamic
 * templates concatenate.
 *
 * @example
 * mergeMappings({ properties: { host: { properties: { name: { type: "keyword" } } } } },
 *               { properties: { host: { properties: { ip: { type: "ip" } } } } });
 * // { properties: { host: { properties: { name: { type: "keyword" }, ip: { type: "ip" } } } } }
 */
export function mergeMappings(...list: readonly (Mappings | undefined)[]): Mappings {
  let out: Mappings = {};
  for (const m of list) {
    if (m === undefined) continue;
    const properties = mergeProperties(out.properties, m.properties);
    const dynamicTemplates = [...(out.dynamic_templates ?? []), ...(m.dynamic_templates ?? [])];
    out = { ...out, ...m, ...(properties ? { properties } : {}), ...(dynamicTemplates.length > 0 ? { dynamic_templates: dynamicTemplates } : {}) };
  }
  return out;
}

/**
 * Every leaf field of `mappings` by its dotted path, with its type
 * (objects are not listed; fields only reachable through dynamic templates
 * are not either).
 *
 * @example
 * leafFields({ properties: { host: { properties: { name: { type: "keyword" } } } } }); // Map { "host.name" => "keyword" }
 */
export function leafFields(mappings: Mappings): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (props: Readonly<Record<string, FieldMapping>> | undefined, prefix: string): void => {
    if (props === undefined) return;
    for (const [name, field] of Object.entries(props)) {
      const path = prefix === "" ? name : `${prefix}.${name}`;
      if (field.properties !== undefined || field.type === "object" || (field.type === undefined && field.properties === undefined)) {
        walk(field.properties, path);
      } else if (field.type !== undefined) {
        out.set(path, field.type);
      }
    }
  };
  walk(mappings.properties, "");
  return out;
}
