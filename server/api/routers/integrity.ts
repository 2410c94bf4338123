// Vote integrity: the campaign's integrity report (computed in the background) and the
// drill-down to an annotator's comparisons.
import { adminProcedure, router } from "../trpc";
import {
  getIntegrityReport,
  IntegrityReportInput,
  requestIntegrityReport,
} from "@/server/services/integrity/integrity-reports";
import {
  ListAnnotatorComparisonsInput,
  listAnnotatorComparisons,
} from "@/server/services/integrity/list-annotator-comparisons";

export const integrityRouter = router({
  report: adminProcedure
    .input(IntegrityReportInput)
    .query(({ ctx, input }) => getIntegrityReport(ctx.db, input)),
  requestReport: adminProcedure
    .input(IntegrityReportInput)
    .mutation(({ ctx, input }) => requestIntegrityReport(ctx.db, input, ctx.user)),
  annotatorComparisons: adminProcedure
    .input(ListAnnotatorComparisonsInput)
    .query(({ ctx, input }) => listAnnotatorComparisons(ctx.db, input)),
});
