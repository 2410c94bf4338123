// HTTP API: export a campaign's dataset (streamed) (see server/api/v1/export-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { startExportRoute } from "@/server/api/v1/export-routes";

export const dynamic = "force-dynamic";

export const POST = startExportRoute.serve(serverRouteDeps);
