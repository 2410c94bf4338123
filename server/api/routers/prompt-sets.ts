// Prompt sets: admins follow each set's progress (imports go through POST
// /api/v1/campaigns/{campaignId}/prompt-sets, whose body limit fits whole files); annotators take
// the next prompt of their campaign's sets.
import { annotatorProcedure, adminProcedure, router } from "../trpc";
import {
  ListPromptSetsInput,
  listPromptSets,
  NextSetPromptInput,
  nextSetPrompt,
} from "@/server/services/prompt-sets/serve-prompts";

export const promptSetsRouter = router({
  list: adminProcedure.input(ListPromptSetsInput).query(({ ctx, input }) => listPromptSets(ctx.db, input)),
  next: annotatorProcedure
    .input(NextSetPromptInput)
    .mutation(({ ctx, input }) => nextSetPrompt(ctx.db, input, ctx.user)),
});
