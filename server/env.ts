// All configuration, validated once. Nothing else in the app reads process.env; a missing or
// malformed variable stops the start with a sentence that names it.
import "server-only";
import path from "node:path";
import { z } from "zod";
import { parseOutboundAllow } from "@/server/net/outbound-policy";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const optionalUrl = (name: string, protocols: string[]) =>
  optionalString.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `${name} must be a ${protocols.join(" or ")}// URL` },
  );

export const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce
    .number({ message: "PORT must be a number" })
    .int()
    .min(1, "PORT must be between 1 and 65535")
    .max(65535, "PORT must be between 1 and 65535")
    .default(3000),
  ARBITER_DATA_DIR: optionalString.transform((value) =>
    path.resolve(/* turbopackIgnore: true */ value ?? "data"),
  ),
  DATABASE_URL: optionalUrl("DATABASE_URL", ["postgres:", "postgresql:"]),
  NEXTAUTH_SECRET: optionalString.refine((value) => value === undefined || value.length >= 32, {
    message: "NEXTAUTH_SECRET must be at least 32 characters (try: openssl rand -base64 32)",
  }),
  NEXTAUTH_URL: optionalUrl("NEXTAUTH_URL", ["http:", "https:"]),
  ARBITER_ADMIN_EMAIL: optionalString.pipe(
    z.email({ message: "ARBITER_ADMIN_EMAIL must be an email address" }).optional(),
  ),
  ARBITER_ADMIN_PASSWORD: optionalString.refine(
    (value) => value === undefined || (value.length >= 10 && value.length <= 200),
    { message: "ARBITER_ADMIN_PASSWORD must be 10 to 200 characters long" },
  ),
  /** Reverse proxies in front of the server whose X-Forwarded-For/-Proto entries are believed;
   * 0: none, the client is the TCP peer (a client can write any X-Forwarded-* it likes). */
  ARBITER_TRUSTED_PROXY_HOPS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "ARBITER_TRUSTED_PROXY_HOPS must be a number" })
      .int("ARBITER_TRUSTED_PROXY_HOPS must be a whole number")
      .min(0, "ARBITER_TRUSTED_PROXY_HOPS must be between 0 and 10")
      .max(10, "ARBITER_TRUSTED_PROXY_HOPS must be between 0 and 10")
      .default(0),
  ),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Read by the annotation work (local engine model, or an external OpenAI-compatible server).
  MODEL_PATH: optionalString.transform((value) =>
    value === undefined ? undefined : path.resolve(/* turbopackIgnore: true */ value),
  ),
  INFERENCE_URL: optionalUrl("INFERENCE_URL", ["http:", "https:"]),
  /** Model name sent to INFERENCE_URL; unset: the first model its /v1/models lists. */
  INFERENCE_MODEL: optionalString,
  /** Bearer key for INFERENCE_URL, if that server wants one. */
  INFERENCE_API_KEY: optionalString,
  /** Non-public hosts that admins' model endpoints may reach (host names, IPs, CIDR ranges, comma-
   * separated; see server/net/outbound-policy.ts). Unset: public addresses only. */
  ARBITER_OUTBOUND_ALLOW: optionalString.transform((value, context) => {
    try {
      return parseOutboundAllow(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  }),
  /** CPU threads of each local inference server; unset: the engine's default (all cores). */
  INFERENCE_THREADS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "INFERENCE_THREADS must be a number" })
      .int("INFERENCE_THREADS must be a whole number")
      .min(1, "INFERENCE_THREADS must be between 1 and 256")
      .max(256, "INFERENCE_THREADS must be between 1 and 256")
      .optional(),
  ),
  /** Folders whose .gguf files admins may name for local variants (comma-separated); unset:
   * ARBITER_DATA_DIR/models. MODEL_PATH's folder is always allowed too. */
  ARBITER_MODEL_DIRS: optionalString.transform((value) =>
    value
      ?.split(",")
      .map((dir) => dir.trim())
      .filter(Boolean)
      .map((dir) => path.resolve(/* turbopackIgnore: true */ dir)),
  ),
  /** How many local model servers (one child process per model file) may run at once. */
  ARBITER_MAX_MODEL_SERVERS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "ARBITER_MAX_MODEL_SERVERS must be a number" })
      .int("ARBITER_MAX_MODEL_SERVERS must be a whole number")
      .min(1, "ARBITER_MAX_MODEL_SERVERS must be between 1 and 64")
      .max(64, "ARBITER_MAX_MODEL_SERVERS must be between 1 and 64")
      .default(4),
  ),
  // Keys the pseudonymous annotator ids in dataset exports; default: derived from the session secret.
  ARBITER_EXPORT_KEY: optionalString.refine((value) => value === undefined || value.length >= 32, {
    message: "ARBITER_EXPORT_KEY must be at least 32 characters (try: openssl rand -base64 32)",
  }),
  // A bearer token that lets probes read /api/health's details (admins' sessions can too); unset: admins only.
  ARBITER_HEALTH_TOKEN: optionalString.refine((value) => value === undefined || value.length >= 32, {
    message: "ARBITER_HEALTH_TOKEN must be at least 32 characters (try: openssl rand -base64 32)",
  }),
  /** A model server that sends nothing for this long while answering is taken as hung: the
   * response fails (retryable) instead of waiting forever. */
  ARBITER_MODEL_IDLE_TIMEOUT_SECONDS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "ARBITER_MODEL_IDLE_TIMEOUT_SECONDS must be a number" })
      .min(1, "ARBITER_MODEL_IDLE_TIMEOUT_SECONDS must be between 1 and 3600")
      .max(3600, "ARBITER_MODEL_IDLE_TIMEOUT_SECONDS must be between 1 and 3600")
      .default(60),
  ),
  /** On SIGTERM: how long running generations may take to finish before they are stopped as
   * interrupted (the instance stops taking new streams at once). */
  ARBITER_SHUTDOWN_GRACE_SECONDS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "ARBITER_SHUTDOWN_GRACE_SECONDS must be a number" })
      .min(0, "ARBITER_SHUTDOWN_GRACE_SECONDS must be between 0 and 3600")
      .max(3600, "ARBITER_SHUTDOWN_GRACE_SECONDS must be between 0 and 3600")
      .default(30),
  ),
  /** Background jobs (integrity reports) this instance runs at once; 0: none (other instances
   * sharing the database run them). */
  ARBITER_JOB_CONCURRENCY: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "ARBITER_JOB_CONCURRENCY must be a number" })
      .int("ARBITER_JOB_CONCURRENCY must be a whole number")
      .min(0, "ARBITER_JOB_CONCURRENCY must be between 0 and 16")
      .max(16, "ARBITER_JOB_CONCURRENCY must be between 0 and 16")
      .default(1),
  ),
  /** Finished background jobs (done or failed) are deleted after this many days; what each job
   * was for keeps its own record (a webhook's delivery log, an integrity report). */
  ARBITER_JOB_RETENTION_DAYS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "ARBITER_JOB_RETENTION_DAYS must be a number" })
      .min(1, "ARBITER_JOB_RETENTION_DAYS must be between 1 and 3650")
      .max(3650, "ARBITER_JOB_RETENTION_DAYS must be between 1 and 3650")
      .default(30),
  ),
  /** A generating response whose saved progress is older than this was abandoned (its instance
   * died): the instance that finds it marks it interrupted, retryable. Progress is saved every
   * second while a response generates, so this only needs room for a slow database. */
  ARBITER_STALE_GENERATION_SECONDS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.coerce
      .number({ message: "ARBITER_STALE_GENERATION_SECONDS must be a number" })
      .min(5, "ARBITER_STALE_GENERATION_SECONDS must be between 5 and 3600")
      .max(3600, "ARBITER_STALE_GENERATION_SECONDS must be between 5 and 3600")
      .default(20),
  ),
  /** Single sign-on through an OpenID Connect provider: its issuer URL (the address before
   * /.well-known/openid-configuration) with the client id and secret registered there. */
  ARBITER_OIDC_ISSUER: optionalUrl("ARBITER_OIDC_ISSUER", ["http:", "https:"]),
  ARBITER_OIDC_CLIENT_ID: optionalString,
  ARBITER_OIDC_CLIENT_SECRET: optionalString,
  /** The provider's name on the sign-in page's button ("Continue with …"). */
  ARBITER_OIDC_NAME: optionalString.transform((value) => value ?? "single sign-on"),
  /** A first sign-in by an address without an account: "annotator" creates one, "refuse" (the
   * default) turns it away, so only people an admin invited or created can sign in. */
  ARBITER_OIDC_NEW_USERS: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z
      .enum(["annotator", "refuse"], { message: "ARBITER_OIDC_NEW_USERS must be annotator or refuse" })
      .default("refuse"),
  ),
  /** Email domains (comma-separated, exact match) allowed to sign in through the provider;
   * unset: any domain the provider vouches for. */
  ARBITER_OIDC_ALLOWED_DOMAINS: optionalString.transform((value) =>
    value
      ?.split(",")
      .map((domain) => domain.trim().toLowerCase().replace(/^@/, ""))
      .filter(Boolean),
  ),
  /** "off" removes email and password sign-in (single sign-on must then be configured). */
  ARBITER_PASSWORD_SIGN_IN: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.enum(["on", "off"], { message: "ARBITER_PASSWORD_SIGN_IN must be on or off" }).default("on"),
  ),
  // Tests only: a PostgreSQL server URL; integration suites create a database per file on it.
  TEST_DATABASE_URL: optionalUrl("TEST_DATABASE_URL", ["postgres:", "postgresql:"]),
  // Set by Next.js itself while `next build` runs; startup work is skipped then.
  NEXT_PHASE: optionalString,
  // Set by `npm start` for `next start`: Next.js leaves SIGTERM/SIGINT to server/shutdown.ts.
  NEXT_MANUAL_SIG_HANDLE: optionalString,
});

export type Env = z.infer<typeof EnvSchema>;

/** Settings that only work together: single sign-on's three, and what it needs. */
const EnvWithRules = EnvSchema.superRefine((value, context) => {
  const oidc = [value.ARBITER_OIDC_ISSUER, value.ARBITER_OIDC_CLIENT_ID, value.ARBITER_OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    context.addIssue({
      code: "custom",
      path: ["ARBITER_OIDC_ISSUER"],
      message:
        "ARBITER_OIDC_ISSUER, ARBITER_OIDC_CLIENT_ID and ARBITER_OIDC_CLIENT_SECRET go together: set all three or none",
    });
  }
  if (oidc.every(Boolean) && !value.NEXTAUTH_URL) {
    context.addIssue({
      code: "custom",
      path: ["NEXTAUTH_URL"],
      message: "NEXTAUTH_URL must be set for single sign-on: the provider sends people back to it",
    });
  }
  if (value.ARBITER_PASSWORD_SIGN_IN === "off" && !oidc.every(Boolean)) {
    context.addIssue({
      code: "custom",
      path: ["ARBITER_PASSWORD_SIGN_IN"],
      message: "ARBITER_PASSWORD_SIGN_IN=off needs single sign-on (ARBITER_OIDC_*), or nobody could sign in",
    });
  }
});

class EnvError extends Error {
  override name = "EnvError";
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvWithRules.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join(".");
    return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
  });
  throw new EnvError(
    `Arbiter's configuration is invalid:\n  - ${problems.join("\n  - ")}\n` +
      "Fix these environment variables (see the configuration table in README.md) and start again.",
  );
}

export const env: Env = parseEnv(process.env);

/** Variant API keys live in variables with this prefix: the operator opts a key in by naming
 * it so, and an admin (who is not the operator) can make Arbiter send no other variable. None of
 * Arbiter's own settings has this prefix (env.test.ts checks). */
export const VARIANT_KEY_PREFIX = "ARBITER_KEY_";
export const VARIANT_KEY_NAME = /^ARBITER_KEY_[A-Z0-9_]+$/;

/** The API key of a model variant: the variant names an environment variable, and only its
 * name is stored. Read here, at generation time, so a rotated key needs no database edit.
 * Any other name reads as unset, so an admin cannot tell which other variables exist. */
export function readVariantApiKey(variableName: string): string | undefined {
  if (!VARIANT_KEY_NAME.test(variableName)) return undefined;
  const value = process.env[variableName]?.trim();
  return value ? value : undefined;
}

/** What node, tsx and the engine need in a child's environment; nothing else is passed on. */
const ENGINE_CHILD_VARIABLES = [
  "PATH",
  "HOME",
  "TMPDIR",
  "LANG",
  "LC_ALL",
  "TZ",
  "LD_LIBRARY_PATH",
  "ARBITER_ADDON_PATH",
];
/** The engine's own setting (ARBITER_CPU_ISA) and the GPU choice (CUDA_VISIBLE_DEVICES …). */
const ENGINE_CHILD_PREFIXES = ["ARBITER_CPU_", "CUDA_"];

/** The environment of the inference servers Arbiter starts: never the database URL, the
 * session secret or any key, which a bad model file or an engine bug could otherwise reach. */
export function engineChildEnv(): NodeJS.ProcessEnv {
  const picked: NodeJS.ProcessEnv = { NODE_ENV: env.NODE_ENV };
  for (const [name, value] of Object.entries(process.env)) {
    const wanted =
      ENGINE_CHILD_VARIABLES.includes(name) ||
      ENGINE_CHILD_PREFIXES.some((prefix) => name.startsWith(prefix));
    if (wanted && value !== undefined) picked[name] = value;
  }
  return picked;
}
