// Streams a turn's responses as they are generated (NDJSON; see server/api/turn-stream-handler.ts).
import { handleTurnStream } from "@/server/api/turn-stream-handler";
import { getDb } from "@/server/db";
import { getGenerationRuntime } from "@/server/generation/runtime";

export const dynamic = "force-dynamic";

export async function GET(request: Request, context: { params: Promise<{ turnId: string }> }) {
  const { turnId } = await context.params;
  return handleTurnStream(request, turnId, { db: await getDb(), hub: getGenerationRuntime().hub });
}
