// Streams a turn's responses as they are generated (NDJSON; see server/api/turn-stream-handler.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { turnStreamRoute } from "@/server/api/turn-stream-handler";

export const dynamic = "force-dynamic";

export const GET = turnStreamRoute.serve(serverRouteDeps);
