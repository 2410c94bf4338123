// Sends a prompt: stores the turn and streams its responses (NDJSON; see
// server/api/turn-stream-handler.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { startTurnRoute } from "@/server/api/turn-stream-handler";

export const dynamic = "force-dynamic";

export const POST = startTurnRoute.serve(serverRouteDeps);
