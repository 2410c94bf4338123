// Reported turns: the admin's list and closing a report with a reply to the annotator.
import { adminProcedure, router } from "../trpc";
import {
  listProblemReports,
  ListProblemReportsInput,
} from "@/server/services/problem-reports/list-problem-reports";
import {
  resolveProblemReport,
  ResolveProblemReportInput,
} from "@/server/services/problem-reports/resolve-problem-report";

export const problemReportsRouter = router({
  list: adminProcedure
    .input(ListProblemReportsInput)
    .query(({ ctx, input }) => listProblemReports(ctx.db, input)),
  resolve: adminProcedure
    .input(ResolveProblemReportInput)
    .mutation(({ ctx, input }) => resolveProblemReport(ctx.db, input, ctx.user)),
});
