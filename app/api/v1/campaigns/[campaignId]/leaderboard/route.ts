// HTTP API: a campaign's leaderboard (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { leaderboardRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const GET = leaderboardRoute.serve(serverRouteDeps);
