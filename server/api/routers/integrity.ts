// Vote integrity: the campaign's integrity report (computed by a queued job), the drill-down to
// an annotator's comparisons, and sending an annotator's comparisons back to review.
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
import {
  SendAnnotatorToReviewInput,
  sendAnnotatorToReview,
} from "@/server/services/integrity/send-annotator-to-review";

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
  sendToReview: adminProcedure
    .input(SendAnnotatorToReviewInput)
    .mutation(({ ctx, input }) => sendAnnotatorToReview(ctx.db, input, ctx.user)),
});
