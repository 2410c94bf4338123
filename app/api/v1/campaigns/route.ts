// HTTP API: list and create campaigns (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { listCampaignsRoute, createCampaignRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const GET = listCampaignsRoute.serve(serverRouteDeps);
export const POST = createCampaignRoute.serve(serverRouteDeps);
