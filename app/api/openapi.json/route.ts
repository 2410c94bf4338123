// The HTTP API's OpenAPI document (see server/api/v1/openapi-route.ts).
import { serverRouteDeps } from "@/server/api/server-route-deps";
import { openApiRoute } from "@/server/api/v1/openapi-route";

export const dynamic = "force-dynamic";

export const GET = openApiRoute.serve(serverRouteDeps);
