// Liveness and database status for load balancers and operators.
import { getDatabase } from "@/server/db";
import { checkHealth } from "@/server/services/system/check-health";

export const dynamic = "force-dynamic";

export async function GET() {
  const health = await checkHealth(getDatabase);
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
