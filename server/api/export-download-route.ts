// POST /api/exports/download: streams an export to an admin's browser (see
// server/services/exports/download-export.ts). Errors before the first byte come back in the
// route handlers' error shape; after it, the exports table records them.
import { startExportDownload } from "@/server/services/exports/download-export";
import { KB } from "./body-limit";
import { defineRoute, type RouteDeps } from "./route-handler";

/** The export streamed as a file download; shared with the HTTP API's export route. */
export function exportFileResponse(download: Awaited<ReturnType<typeof startExportDownload>>): Response {
  return new Response(download.body, {
    headers: {
      "Content-Type": download.contentType,
      "Content-Disposition": `attachment; filename="${download.filename}"`,
      "Cache-Control": "no-store",
      "X-Export-Id": download.id,
    },
  });
}

export interface ExportDownloadDeps extends RouteDeps {
  exportKey: () => Buffer;
}

export const exportDownloadRoute = defineRoute<ExportDownloadDeps, "admin">({
  role: "admin",
  // The options of one export: campaign names and filters, a few KB at most.
  body: { limit: 64 * KB, shape: "the export request { id, output, options }" },
  async handle({ request, user, body, deps }) {
    const download = await startExportDownload(
      await deps.db(),
      body as never,
      user,
      deps.exportKey(),
      request.signal,
    );
    return exportFileResponse(download);
  },
});
