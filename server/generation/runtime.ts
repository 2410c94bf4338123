// The server process's generation machinery, created once (globalThis, because Next.js may load
// this module in several bundles of one process): the inference supervisor, the endpoint
// resolver and the hub that runs turns. startGeneration() warms up the local models that
// active campaigns use; the supervised servers stop when the web server exits.
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { campaigns, modelVariants } from "@/db/schema";
import { engineChildEnv, env, readVariantApiKey } from "@/server/env";
import { log } from "@/server/log";
import { getDatabase } from "@/server/db";
import { createOutboundFetch } from "@/server/net/outbound-fetch";
import { OutboundPolicy } from "@/server/net/outbound-policy";
import { defaultModelOf, ensureDemoModel, type DefaultModel } from "./default-model";
import { EndpointResolver } from "./endpoints";
import { InferenceSupervisor, type LoraAdapter, type ManagedServerStatus } from "./inference-supervisor";
import { configuredModelDirs } from "./model-files";
import { ASSISTANT_TIMEOUT_MS } from "@/server/services/judging/assistant-endpoint";
import { bestOfNSamplerWith } from "@/server/services/judging/best-of-n-sampling";
import { GenerationHub } from "./turn-generation";

export interface GenerationRuntime {
  supervisor: InferenceSupervisor;
  resolver: EndpointResolver;
  hub: GenerationHub;
  defaultModel: DefaultModel;
  /** Set when the demo model could not be generated. */
  demoModelError: string | null;
}

const GLOBAL_KEY = Symbol.for("arbiter.generation");
type GlobalWithGeneration = typeof globalThis & { [GLOBAL_KEY]?: GenerationRuntime };

/** Where the app runs from: inference/ and node_modules/ are found relative to it. */
const APP_ROOT = path.resolve(/* turbopackIgnore: true */ process.cwd());

function createGenerationRuntime(): GenerationRuntime {
  const supervisor = new InferenceSupervisor({
    root: APP_ROOT,
    modelDirs: configuredModelDirs(),
    childEnv: engineChildEnv(),
    maxServers: env.ARBITER_MAX_MODEL_SERVERS,
    threads: env.INFERENCE_THREADS,
    log: (level, message) => log[level](message),
  });
  const defaultModel = defaultModelOf({
    dataDir: env.ARBITER_DATA_DIR,
    modelPath: env.MODEL_PATH,
    inferenceUrl: env.INFERENCE_URL,
    inferenceModel: env.INFERENCE_MODEL,
    inferenceApiKey: env.INFERENCE_API_KEY,
  });
  const resolver = new EndpointResolver({
    defaultModel,
    supervisor,
    root: APP_ROOT,
    readApiKey: readVariantApiKey,
    outboundFetch: createOutboundFetch(new OutboundPolicy(env.ARBITER_OUTBOUND_ALLOW)),
    log: (message) => log.info(message),
  });
  const hub = new GenerationHub({
    resolver,
    bestOfN: bestOfNSamplerWith(() => ({ resolver, timeoutMs: ASSISTANT_TIMEOUT_MS })),
    log: (level, message) => log[level](message),
    idleTimeoutMs: env.ARBITER_MODEL_IDLE_TIMEOUT_SECONDS * 1000,
    staleAfterMs: env.ARBITER_STALE_GENERATION_SECONDS * 1000,
    notifications: async () => (await getDatabase()).notifications,
  });
  return { supervisor, resolver, hub, defaultModel, demoModelError: null };
}

export function getGenerationRuntime(): GenerationRuntime {
  const holder = globalThis as GlobalWithGeneration;
  if (!holder[GLOBAL_KEY]) {
    const runtime = createGenerationRuntime();
    holder[GLOBAL_KEY] = runtime;
    // Supervised servers must not outlive the web server ("exit" runs on every normal exit;
    // after a SIGKILL the children see their stdin close and exit by themselves).
    process.once("exit", () => runtime.supervisor.killAllNow());
  }
  return holder[GLOBAL_KEY];
}

/**
 * At server start: generate the demo model if the default model is the demo, and start the
 * inference servers for the local models of active campaigns, in the background.
 */
export async function warmUpGeneration(db: Db, runtime: GenerationRuntime): Promise<void> {
  const variants = await db
    .select()
    .from(modelVariants)
    .innerJoin(campaigns, eq(campaigns.id, modelVariants.campaignId))
    .where(
      and(eq(campaigns.status, "active"), eq(modelVariants.isActive, true), isNull(modelVariants.baseUrl)),
    );
  // Each local model file with the adapters its variants apply, so that one start serves them all.
  const adaptersByPath = new Map<string, LoraAdapter[]>();
  for (const { model_variants: variant } of variants) {
    if (variant.endpointKind !== "local") continue;
    let identity;
    try {
      identity = runtime.resolver.identify(variant);
    } catch (error) {
      log.error((error as Error).message);
      continue;
    }
    const modelPath = runtime.resolver.localModelPathOf(identity);
    if (!modelPath) continue;
    const adapters = adaptersByPath.get(modelPath) ?? [];
    if (identity.adapter) adapters.push(identity.adapter);
    adaptersByPath.set(modelPath, adapters);
  }
  const fallback = runtime.defaultModel;
  if (fallback.kind === "remote") {
    log.info(`Default model: ${fallback.model ?? "the first model"} at ${fallback.baseUrl} (INFERENCE_URL).`);
  } else if (!fallback.isDemo) {
    log.info(`Default model: ${fallback.path} (MODEL_PATH), served by a supervised inference server.`);
  }
  for (const [modelPath, adapters] of adaptersByPath) {
    if (fallback.kind === "local" && fallback.isDemo && modelPath === fallback.path) {
      try {
        await ensureDemoModel(modelPath, APP_ROOT, (message) => log.info(message));
      } catch (error) {
        runtime.demoModelError = (error as Error).message;
        log.error(runtime.demoModelError);
        continue;
      }
    }
    runtime.supervisor.warmUp(modelPath, adapters);
  }
}

export interface InferenceHealth {
  status: "ok" | "starting" | "error" | "idle";
  defaultModel:
    { kind: "remote"; url: string; model: string | null } | { kind: "local"; path: string; isDemo: boolean };
  servers: ManagedServerStatus[];
  error?: string;
}

/** The inference side of /api/health: each supervised server's state and last failure. */
export function inferenceHealth(runtime: GenerationRuntime | undefined): InferenceHealth | null {
  if (!runtime) return null;
  const servers = runtime.supervisor.status();
  const fallback = runtime.defaultModel;
  const defaultModel =
    fallback.kind === "remote"
      ? { kind: "remote" as const, url: fallback.baseUrl, model: fallback.model }
      : { kind: "local" as const, path: fallback.path, isDemo: fallback.isDemo };
  const failing = servers.filter((server) => server.state === "restarting");
  const status: InferenceHealth["status"] = runtime.demoModelError
    ? "error"
    : failing.length > 0
      ? "error"
      : servers.some((server) => server.state === "starting")
        ? "starting"
        : servers.length === 0
          ? "idle"
          : "ok";
  const error =
    runtime.demoModelError ?? failing.map((server) => server.lastError).find(Boolean) ?? undefined;
  return { status, defaultModel, servers, ...(error ? { error } : {}) };
}

export function peekGenerationRuntime(): GenerationRuntime | undefined {
  return (globalThis as GlobalWithGeneration)[GLOBAL_KEY];
}

/** For the workspace: does this campaign use the demo model, and is one of its servers failing? */
export function campaignModelStatus(
  runtime: GenerationRuntime,
  variants: { endpointKind: string; baseUrl: string | null; modelPath: string | null }[],
  options: { withDetails: boolean },
): { usesDemoModel: boolean; problem: string | null } {
  const fallback = runtime.defaultModel;
  const paths = new Set<string>();
  let usesDefault = false;
  for (const variant of variants) {
    if (variant.endpointKind !== "local" || variant.baseUrl) continue;
    if (variant.modelPath) paths.add(path.resolve(variant.modelPath));
    else usesDefault = true;
  }
  if (usesDefault && fallback.kind === "local") paths.add(fallback.path);
  const usesDemoModel = usesDefault && fallback.kind === "local" && fallback.isDemo;
  const failing = runtime.supervisor
    .status()
    .find((server) => paths.has(server.modelPath) && server.state === "restarting");
  const detail = (usesDemoModel ? runtime.demoModelError : null) ?? failing?.lastError ?? null;
  if (!detail) return { usesDemoModel, problem: null };
  // The reason names model files, which annotators must not see (model names are hidden).
  return {
    usesDemoModel,
    problem: options.withDetails
      ? detail
      : "the local model server is not running (an admin can see why on /api/health).",
  };
}
