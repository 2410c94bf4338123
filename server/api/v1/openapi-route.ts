// GET /api/openapi.json: the HTTP API's OpenAPI document, for anyone (it describes what exists,
// not what anyone may do; every operation still checks its caller).
import { defineRoute } from "../route-handler";
import { buildOpenApiDocument } from "./openapi-document";

export const openApiRoute = defineRoute({
  role: "public",
  async handle() {
    // No `servers`: paths are relative to where the document is served.
    return Response.json(buildOpenApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } });
  },
});
