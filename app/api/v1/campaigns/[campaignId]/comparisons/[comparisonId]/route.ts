// HTTP API: one comparison (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { getComparisonRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const GET = getComparisonRoute.serve(serverRouteDeps);
