// What the route handlers under app/api run with in the server: its database, generation
// runtime, export key and configuration. Tests serve the same routes with their own.
import { getDatabase, getDb } from "@/server/db";
import { env } from "@/server/env";
import { getGenerationRuntime, inferenceHealth, peekGenerationRuntime } from "@/server/generation/runtime";
import { isStopping } from "@/server/shutdown";
import { serverExportKey } from "@/server/services/exports/key";
import type { ExportDownloadDeps } from "./export-download-route";
import type { HealthDeps } from "./health-route";
import type { GenerationDeps } from "./turn-stream-handler";

export const serverRouteDeps: GenerationDeps & ExportDownloadDeps & HealthDeps = {
  db: getDb,
  generation: () => {
    const runtime = getGenerationRuntime();
    return { hub: runtime.hub, identify: (variant) => runtime.resolver.identify(variant) };
  },
  exportKey: serverExportKey,
  openDatabase: getDatabase,
  // Peek: a health check must not start the inference machinery.
  inference: () => inferenceHealth(peekGenerationRuntime()),
  healthToken: env.ARBITER_HEALTH_TOKEN,
  isDraining: isStopping,
};
