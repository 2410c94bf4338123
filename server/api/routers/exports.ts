// Dataset exports: the form's choices, a preview, progress of a running export, and the record
// of past ones. The download itself streams from app/api/exports/download (a route handler).
import { adminProcedure, router } from "../trpc";
import { serverExportKey } from "@/server/services/exports/key";
import { listExportSources } from "@/server/services/exports/list-export-sources";
import {
  GetExportInput,
  getExport,
  ListExportsInput,
  listExports,
} from "@/server/services/exports/list-exports";
import { PreviewExportInput, previewExport } from "@/server/services/exports/preview-export";

export const exportsRouter = router({
  sources: adminProcedure.query(({ ctx }) => listExportSources(ctx.db)),
  preview: adminProcedure
    .input(PreviewExportInput)
    .query(({ ctx, input }) => previewExport(ctx.db, input, serverExportKey())),
  list: adminProcedure.input(ListExportsInput).query(({ ctx, input }) => listExports(ctx.db, input)),
  get: adminProcedure.input(GetExportInput).query(({ ctx, input }) => getExport(ctx.db, input)),
});
