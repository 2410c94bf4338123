// The campaign dashboard and its per-annotator table.
import { adminProcedure, router } from "../trpc";
import { ListAnnotatorStatsInput, listAnnotatorStats } from "@/server/services/dashboard/annotator-stats";
import { DashboardInput, getCampaignDashboard } from "@/server/services/dashboard/campaign-dashboard";

export const dashboardRouter = router({
  get: adminProcedure.input(DashboardInput).query(({ ctx, input }) => getCampaignDashboard(ctx.db, input)),
  annotators: adminProcedure
    .input(ListAnnotatorStatsInput)
    .query(({ ctx, input }) => listAnnotatorStats(ctx.db, input)),
});
