// HTTP API: an export's progress (see server/api/v1/export-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { getExportRoute } from "@/server/api/v1/export-routes";

export const dynamic = "force-dynamic";

export const GET = getExportRoute.serve(serverRouteDeps);
