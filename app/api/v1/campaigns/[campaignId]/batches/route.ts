// HTTP API: open the next batch (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { openNextBatchRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const POST = openNextBatchRoute.serve(serverRouteDeps);
