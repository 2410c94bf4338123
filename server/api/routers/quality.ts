// Quality control: "rate this pair" tasks for annotators (overlap and gold, served alike),
// gold items for admins, and agreement figures.
import { adminProcedure, annotatorProcedure, router } from "../trpc";
import { PageInput } from "@/server/services/pagination";
import { AgreementInput, getAgreement, getGoldAccuracy } from "@/server/services/quality/agreement";
import { ClaimPairTaskInput, claimNextPairTask } from "@/server/services/quality/claim-pair-task";
import {
  ListGoldItemsInput,
  listGoldItems,
  MarkGoldInput,
  markGold,
  UnmarkGoldInput,
  unmarkGold,
} from "@/server/services/quality/gold-items";
import { ImportGoldInput, importGold } from "@/server/services/quality/import-gold";
import { listPairCampaigns } from "@/server/services/quality/list-pair-campaigns";
import { getPairTask, skipPairTask, submitPairRating } from "@/server/services/quality/pair-task";
import { PairTaskIdInput, SubmitPairRatingInput } from "@/server/services/quality/pair-task-schemas";

export const qualityRouter = router({
  pairCampaigns: annotatorProcedure
    .input(PageInput.optional())
    .query(({ ctx, input }) => listPairCampaigns(ctx.db, input, ctx.user)),
  claimPair: annotatorProcedure
    .input(ClaimPairTaskInput)
    .mutation(({ ctx, input }) => claimNextPairTask(ctx.db, input, ctx.user)),
  pairTask: annotatorProcedure
    .input(PairTaskIdInput)
    .query(({ ctx, input }) => getPairTask(ctx.db, input, ctx.user)),
  submitPair: annotatorProcedure
    .input(SubmitPairRatingInput)
    .mutation(({ ctx, input }) => submitPairRating(ctx.db, input, ctx.user)),
  skipPair: annotatorProcedure
    .input(PairTaskIdInput)
    .mutation(({ ctx, input }) => skipPairTask(ctx.db, input, ctx.user)),
  markGold: adminProcedure
    .input(MarkGoldInput)
    .mutation(({ ctx, input }) => markGold(ctx.db, input, ctx.user)),
  unmarkGold: adminProcedure
    .input(UnmarkGoldInput)
    .mutation(({ ctx, input }) => unmarkGold(ctx.db, input, ctx.user)),
  importGold: adminProcedure
    .input(ImportGoldInput)
    .mutation(({ ctx, input }) => importGold(ctx.db, input, ctx.user)),
  goldItems: adminProcedure.input(ListGoldItemsInput).query(({ ctx, input }) => listGoldItems(ctx.db, input)),
  agreement: adminProcedure.input(AgreementInput).query(({ ctx, input }) => getAgreement(ctx.db, input)),
  goldAccuracy: adminProcedure
    .input(AgreementInput)
    .query(({ ctx, input }) => getGoldAccuracy(ctx.db, input)),
});
