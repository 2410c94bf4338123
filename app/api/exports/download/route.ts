// Streams an export to an admin's browser (see server/api/export-download-route.ts).
import { exportDownloadRoute } from "@/server/api/export-download-route";
import { serverRouteDeps } from "@/server/api/server-route-deps";

export const dynamic = "force-dynamic";

export const POST = exportDownloadRoute.serve(serverRouteDeps);
