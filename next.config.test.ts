// The security headers every response carries (next.config.js): the Content-Security-Policy
// keeps model Markdown from loading anything from elsewhere, and the page from being framed.
import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";

const require = createRequire(import.meta.url);
type Config = { headers(): Promise<{ source: string; headers: { key: string; value: string }[] }[]> };
const nextConfig = require("./next.config.js") as Config;

async function headersOfEveryPage(source = "/:path*") {
  const rules = await nextConfig.headers();
  const rule = rules.find((candidate) => candidate.source === source);
  return new Map(rule?.headers.map((header) => [header.key, header.value]));
}

/** "img-src 'self' data:" → Map { "img-src" => ["'self'", "data:"] } */
function directives(policy: string | undefined) {
  return new Map(
    (policy ?? "").split(";").map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("next.config.js headers", () => {
  it("sends a Content-Security-Policy that loads nothing from other origins", async () => {
    vi.stubEnv("NODE_ENV", "production");
    const csp = directives((await headersOfEveryPage()).get("Content-Security-Policy"));
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("img-src")).toEqual(["'self'", "data:"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("form-action")).toEqual(["'self'"]);
    for (const sources of csp.values()) {
      expect(sources.filter((source) => /^(https?:|\*|\w+\.\w+)/.test(source))).toEqual([]);
    }
    expect(csp.get("script-src")).not.toContain("'unsafe-eval'");
  });

  it("lets only MTurk frame the study links and receive their completion form", async () => {
    vi.stubEnv("NODE_ENV", "production");
    const csp = directives((await headersOfEveryPage("/participate/:path*")).get("Content-Security-Policy"));
    expect(csp.get("frame-ancestors")).toEqual([
      "https://worker.mturk.com",
      "https://workersandbox.mturk.com",
      "https://www.mturk.com",
    ]);
    expect(csp.get("form-action")).toEqual([
      "'self'",
      "https://www.mturk.com",
      "https://workersandbox.mturk.com",
    ]);
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("img-src")).toEqual(["'self'", "data:"]);
  });

  it("allows eval for scripts only in development (React's debugging needs it)", async () => {
    vi.stubEnv("NODE_ENV", "development");
    const csp = directives((await headersOfEveryPage()).get("Content-Security-Policy"));
    expect(csp.get("script-src")).toContain("'unsafe-eval'");
  });

  it("sends the other security headers", async () => {
    const headers = await headersOfEveryPage();
    expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(headers.get("X-Frame-Options")).toBe("DENY");
    expect(headers.get("Referrer-Policy")).toBe("same-origin");
    expect(headers.get("Permissions-Policy")).toContain("camera=()");
  });
});
