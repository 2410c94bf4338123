// Sends a prompt: stores the turn and streams its responses (NDJSON; see
// server/api/turn-stream-handler.ts).
import { handleStartTurn } from "@/server/api/turn-stream-handler";
import { getDb } from "@/server/db";
import { getGenerationRuntime } from "@/server/generation/runtime";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  const runtime = getGenerationRuntime();
  return handleStartTurn(request, {
    db: await getDb(),
    hub: runtime.hub,
    identify: runtime.resolver.identify.bind(runtime.resolver),
  });
}
