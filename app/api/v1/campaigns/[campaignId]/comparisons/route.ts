// HTTP API: a campaign's comparisons, paged (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { listComparisonsRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const GET = listComparisonsRoute.serve(serverRouteDeps);
