// HTTP API: set a campaign's members (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { setMembersRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const PUT = setMembersRoute.serve(serverRouteDeps);
