// HTTP API: pause, resume, archive, restore (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { setCampaignStatusRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const POST = setCampaignStatusRoute.serve(serverRouteDeps);
