// HTTP API: accept or reject a comparison (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { reviewComparisonRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const POST = reviewComparisonRoute.serve(serverRouteDeps);
