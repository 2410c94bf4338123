// Liveness for load balancers; details for admins and operator probes (see
// server/api/health-route.ts).
import { healthRoute } from "@/server/api/health-route";
import { serverRouteDeps } from "@/server/api/server-route-deps";

export const dynamic = "force-dynamic";

export const GET = healthRoute.serve(serverRouteDeps);
