/**
 * Configuration: `defineConfig` for `satellite.config.ts`, loading and
 * validation, and the field validators parts use for their own sections.
 * This is what `import ... from "satellite/config"` means.
 */
export { defineConfig, type SatelliteConfig, type ServerConfig, type RulesConfig, type KafkaConfig, type ElasticConfig } from "./define.ts";
export { resolveConfig, CONFIG_DEFAULTS, PART_SECTIONS, type ResolvedConfig, type PartSection } from "./resolve.ts";
export { loadConfig, findConfigFile, CONFIG_FILES } from "./load.ts";
export { ConfigError, objectField, numberField, stringField, booleanField, stringListField, type NumberBounds } from "./fields.ts";
