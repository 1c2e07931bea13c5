// Lint rules, including the architecture contract: dependencies point inward
// (domain <- sql/ports <- core <- adapters, outer layers on the outside). A violating
// import fails `npm run lint`, and therefore CI.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const outer = ["**/adapters/**", "**/cli/**", "**/web/**", "**/metrics/**", "**/tracing/**", "**/pgqueuer.js", "**/index.js"];
const layer = (files, forbidden, message) => ({
  files,
  rules: {
    "no-restricted-imports": ["error", { patterns: [{ group: forbidden, message }] }],
  },
});

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "test-artifacts/**", ".pgqueuer/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly", AbortController: "readonly", AbortSignal: "readonly", structuredClone: "readonly", queueMicrotask: "readonly", performance: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", setImmediate: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  layer(["src/domain/**/*.ts"], ["../**", "pg", "postgres", "@electric-sql/*"], "domain/ imports nothing outside domain/ (no I/O)."),
  layer(["src/sql/**/*.ts"], ["../ports/**", "../core/**", ...outer], "sql/ depends on domain/ only."),
  layer(["src/ports/**/*.ts"], ["../sql/**", "../core/**", ...outer], "ports/ depends on domain/ only."),
  layer(["src/core/**/*.ts"], ["../sql/**", "../../sql/**", ...outer, "pg", "postgres", "@electric-sql/*"], "core/ depends on domain/ and ports/ only; SQL lives in sql/ and drivers in adapters/."),
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "examples/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off", "@typescript-eslint/no-explicit-any": "off" },
  },
);
