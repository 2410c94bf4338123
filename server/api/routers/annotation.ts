// The annotator's workflow: campaigns, the workspace, judging turns, and the ways out (retry,
// report a problem, end). Sending a prompt streams its responses, so it is a route handler:
// POST /api/generate (server/api/turn-stream-handler.ts). Admins can read conversations as stored.
import { campaignModelStatus, getGenerationRuntime } from "@/server/generation/runtime";
import { log } from "@/server/log";
import {
  acknowledgeGuidelines,
  AcknowledgeGuidelinesInput,
} from "@/server/services/annotation/acknowledge-guidelines";
import { endConversation, EndConversationInput } from "@/server/services/annotation/end-conversation";
import {
  inspectConversations,
  InspectConversationsInput,
} from "@/server/services/annotation/inspect-conversations";
import { reportProblem, ReportProblemInput } from "@/server/services/annotation/report-problem";
import { retryGeneration, RetryGenerationInput } from "@/server/services/annotation/retry-generation";
import { submitComparison, SubmitComparisonInput } from "@/server/services/annotation/submit-comparison";
import {
  getAnnotationWorkspace,
  GetAnnotationWorkspaceInput,
} from "@/server/services/annotation/get-annotation-workspace";
import {
  getAnnotatorCampaigns,
  GetAnnotatorCampaignsInput,
} from "@/server/services/annotation/get-annotator-campaigns";
import type { Db } from "@/db/client";
import { adminProcedure, annotatorProcedure, router } from "../trpc";

/** How procedures reach the generation side: start a turn's generation, stop it. */
function generationDeps(db: Db) {
  const runtime = getGenerationRuntime();
  return {
    schedule: (turnId: string) => {
      runtime.hub
        .schedule(db, turnId)
        .catch((error: Error) => log.error(`Could not start generating turn ${turnId}: ${error.message}`));
    },
    cancel: (turnId: string, message: string) => runtime.hub.cancel(db, turnId, message),
  };
}

export const annotationRouter = router({
  campaigns: annotatorProcedure
    .input(GetAnnotatorCampaignsInput.optional())
    .query(({ ctx, input }) => getAnnotatorCampaigns(ctx.db, input ?? {}, ctx.user)),
  workspace: annotatorProcedure.input(GetAnnotationWorkspaceInput).query(({ ctx, input }) =>
    getAnnotationWorkspace(ctx.db, input, ctx.user, {
      modelStatus: (variants) =>
        campaignModelStatus(getGenerationRuntime(), variants, { withDetails: ctx.user.role === "admin" }),
    }),
  ),
  acknowledgeGuidelines: annotatorProcedure
    .input(AcknowledgeGuidelinesInput)
    .mutation(({ ctx, input }) => acknowledgeGuidelines(ctx.db, input, ctx.user)),
  retryGeneration: annotatorProcedure
    .input(RetryGenerationInput)
    .mutation(({ ctx, input }) => retryGeneration(ctx.db, input, ctx.user, generationDeps(ctx.db))),
  submitComparison: annotatorProcedure
    .input(SubmitComparisonInput)
    .mutation(({ ctx, input }) => submitComparison(ctx.db, input, ctx.user)),
  reportProblem: annotatorProcedure
    .input(ReportProblemInput)
    .mutation(({ ctx, input }) => reportProblem(ctx.db, input, ctx.user, generationDeps(ctx.db))),
  endConversation: annotatorProcedure
    .input(EndConversationInput)
    .mutation(({ ctx, input }) => endConversation(ctx.db, input, ctx.user, generationDeps(ctx.db))),
  inspectConversations: adminProcedure
    .input(InspectConversationsInput)
    .query(({ ctx, input }) => inspectConversations(ctx.db, input)),
});
