// HTTP API: a campaign's dashboard figures (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { dashboardRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const GET = dashboardRoute.serve(serverRouteDeps);
