import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTypescript,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The engine side, scripts and Playwright fixtures are plain Node code: React and Next.js
    // rules misread them (a function named `use`, a variable named `module`).
    files: ["inference/**", "scripts/**", "e2e/**"],
    rules: {
      "react-hooks/rules-of-hooks": "off",
      "@next/next/no-assign-module-variable": "off",
    },
  },
  globalIgnores([
    ".next/**",
    "out/**",
    "build/**",
    "next-env.d.ts",
    "data/**",
    "test-results/**",
    "playwright-report/**",
    "inference/build/**",
    ".gpu/**",
    "inference/bench/llama-cpp/**",
  ]),
]);
