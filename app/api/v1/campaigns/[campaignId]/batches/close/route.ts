// HTTP API: close the open batch (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { closeBatchRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const POST = closeBatchRoute.serve(serverRouteDeps);
