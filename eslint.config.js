// ESLint flat config: typescript-eslint's type-aware recommended rules over all sources.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "test/fixtures/broken-rules/**", "coverage/**", "data/**", "dist/**", "test-artifacts/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["eslint.config.js", "bin/*.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["describe", "it", "test", "suite", "before", "after", "beforeEach", "afterEach"] }] },
      ],
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    // The web page's script runs in the browser, untyped and unbundled.
    files: ["dashboards/web/public/**/*.js"],
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "module",
      globals: Object.fromEntries(
        ["window", "document", "fetch", "localStorage", "prompt", "EventSource", "setTimeout", "clearTimeout", "setInterval", "FormData", "Node", "console", "Date"].map((g) => [g, "readonly"]),
      ),
    },
  },
);
