// HTTP API: edit a model variant (see server/api/v1/campaign-routes.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { updateVariantRoute } from "@/server/api/v1/campaign-routes";

export const dynamic = "force-dynamic";

export const PUT = updateVariantRoute.serve(serverRouteDeps);
