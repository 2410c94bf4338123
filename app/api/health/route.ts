// Liveness and database status for load balancers and operators, and the state of the
// supervised inference servers (reported, but a failing model server does not fail the check:
// the web app itself is up).
import { inferenceHealth, peekGenerationRuntime } from "@/server/generation/runtime";
import { getDatabase } from "@/server/db";
import { checkHealth } from "@/server/services/system/check-health";

export const dynamic = "force-dynamic";

export async function GET() {
  const health = await checkHealth(getDatabase);
  const inference = inferenceHealth(peekGenerationRuntime());
  return Response.json(inference ? { ...health, inference } : health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
