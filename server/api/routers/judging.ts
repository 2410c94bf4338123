// Model assist: a campaign's LLM judge and reward model (admins set them and read the figures),
// and what they made of a comparison (reviewers and admins; never annotators).
import { adminProcedure, reviewerProcedure, router } from "../trpc";
import { CampaignIdInput } from "@/server/services/campaigns/campaign-schemas";
import { ComparisonIdInput } from "@/server/services/quality/reviews";
import {
  getAssistantSettings,
  saveJudge,
  SaveJudgeInput,
  saveRewardModel,
  SaveRewardModelInput,
} from "@/server/services/judging/assistant-settings";
import { saveBestOfN, SaveBestOfNInput } from "@/server/services/judging/best-of-n-settings";
import { getAssistOverview } from "@/server/services/judging/get-assist-overview";
import { getComparisonAssist } from "@/server/services/judging/get-comparison-assist";

export const judgingRouter = router({
  settings: adminProcedure
    .input(CampaignIdInput)
    .query(({ ctx, input }) => getAssistantSettings(ctx.db, input)),
  saveJudge: adminProcedure
    .input(SaveJudgeInput)
    .mutation(({ ctx, input }) => saveJudge(ctx.db, input, ctx.user)),
  saveRewardModel: adminProcedure
    .input(SaveRewardModelInput)
    .mutation(({ ctx, input }) => saveRewardModel(ctx.db, input, ctx.user)),
  saveBestOfN: adminProcedure
    .input(SaveBestOfNInput)
    .mutation(({ ctx, input }) => saveBestOfN(ctx.db, input, ctx.user)),
  overview: adminProcedure.input(CampaignIdInput).query(({ ctx, input }) => getAssistOverview(ctx.db, input)),
  comparison: reviewerProcedure
    .input(ComparisonIdInput)
    .query(({ ctx, input }) => getComparisonAssist(ctx.db, input, ctx.user)),
});
