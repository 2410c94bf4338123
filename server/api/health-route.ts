// GET /api/health: 200 when the web app and its database are up, 503 when not or when the
// instance is stopping (load balancers rely on the status). Anyone gets only { status }. An
// admin's session, or the operator's ARBITER_HEALTH_TOKEN as a bearer token (for probes), also
// gets the details: version, database, and the supervised inference servers — without
// credentials in URLs and without the servers' raw output, which can carry secrets (the server
// log has it).
import crypto from "node:crypto";
import type { Database } from "@/db/client";
import type { InferenceHealth } from "@/server/generation/runtime";
import { checkHealth, type Health } from "@/server/services/system/check-health";
import { defineRoute, type RouteDeps } from "./route-handler";

export interface HealthDeps extends RouteDeps {
  openDatabase: () => Promise<Database>;
  /** The inference side, or null before anything started generation. */
  inference: () => InferenceHealth | null;
  /** ARBITER_HEALTH_TOKEN; unset: only admins see details. */
  healthToken: string | undefined;
  /** True once the instance is stopping (SIGTERM): a load balancer then sends it nothing new. */
  isDraining?: () => boolean;
}

const digest = (value: string) => crypto.createHash("sha256").update(value).digest();

/** Compared as hashes, so the time taken says nothing about the token or its length. */
function hasOperatorToken(request: Request, token: string | undefined) {
  if (!token) return false;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  return presented !== undefined && crypto.timingSafeEqual(digest(presented), digest(token));
}

/** "https://user:key@host/v1" → "https://host/v1", wherever a URL appears in the text. */
function withoutCredentials(text: string) {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, "$1");
}

// The supervisor appends a dead server's last stderr lines ("… Last output: a | b"), and a failed
// demo-model generation its whole stderr ("make-model exited with 1): …"); only the reason stays.
function withoutProcessOutput(text: string) {
  return text
    .replace(/ Last output: [\s\S]*$/, " (its output is in the server log)")
    .replace(/(make-model exited with [^)]*\)): [\s\S]*$/, "$1; its output is in the server log.");
}

const redact = (text: string) => withoutCredentials(withoutProcessOutput(text));
const redactOptional = <T extends string | null | undefined>(text: T) =>
  (typeof text === "string" ? redact(text) : text) as T;

function details(health: Health, inference: InferenceHealth | null) {
  const database = { ...health.database, error: redactOptional(health.database.error) };
  if (!inference) return { ...health, database };
  const defaultModel =
    inference.defaultModel.kind === "remote"
      ? { ...inference.defaultModel, url: withoutCredentials(inference.defaultModel.url) }
      : inference.defaultModel;
  return {
    ...health,
    database,
    inference: {
      ...inference,
      defaultModel,
      servers: inference.servers.map((server) => ({
        ...server,
        url: redactOptional(server.url),
        lastError: redactOptional(server.lastError),
      })),
      error: redactOptional(inference.error),
    },
  };
}

export const healthRoute = defineRoute<HealthDeps, "public">({
  role: "public",
  async handle({ request, user, deps }) {
    if (deps.isDraining?.()) {
      return Response.json({ status: "draining" }, { status: 503, headers: { "Cache-Control": "no-store" } });
    }
    const health = await checkHealth(deps.openDatabase);
    const isDetailed = user?.role === "admin" || hasOperatorToken(request, deps.healthToken);
    return Response.json(isDetailed ? details(health, deps.inference()) : { status: health.status }, {
      status: health.status === "ok" ? 200 : 503,
      headers: { "Cache-Control": "no-store" },
    });
  },
});
