// HTTP API: a campaign's prompt sets (see server/api/v1/prompt-set-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { importPromptSetRoute, listPromptSetsRoute } from "@/server/api/v1/prompt-set-routes";

export const dynamic = "force-dynamic";

export const GET = listPromptSetsRoute.serve(serverRouteDeps);
export const POST = importPromptSetRoute.serve(serverRouteDeps);
