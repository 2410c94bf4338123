// HTTP API: read a campaign, update its settings (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { getCampaignRoute, updateCampaignRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const GET = getCampaignRoute.serve(serverRouteDeps);
export const PUT = updateCampaignRoute.serve(serverRouteDeps);
