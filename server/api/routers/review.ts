// Review: reviewers work through a campaign's comparisons; annotators read the feedback on
// their own work (reviews, and the replies to their problem reports).
import { annotatorProcedure, reviewerProcedure, router } from "../trpc";
import { PageInput } from "@/server/services/pagination";
import {
  ComparisonIdInput,
  getComparisonDetail,
  ListReviewQueueInput,
  listMyFeedback,
  listReviewCampaigns,
  listReviewQueue,
  ReviewComparisonInput,
  reviewComparison,
} from "@/server/services/quality/reviews";
import {
  countNewFeedback,
  ListMyProblemReportsInput,
  listMyProblemReports,
  markFeedbackSeen,
} from "@/server/services/quality/feedback-inbox";

export const reviewRouter = router({
  campaigns: reviewerProcedure.query(({ ctx }) => listReviewCampaigns(ctx.db)),
  queue: reviewerProcedure
    .input(ListReviewQueueInput)
    .query(({ ctx, input }) => listReviewQueue(ctx.db, input)),
  decide: reviewerProcedure
    .input(ReviewComparisonInput)
    .mutation(({ ctx, input }) => reviewComparison(ctx.db, input, ctx.user)),
  /** Reviewers see any comparison; annotators their own (checked in the service). */
  comparison: annotatorProcedure
    .input(ComparisonIdInput)
    .query(({ ctx, input }) => getComparisonDetail(ctx.db, input, ctx.user)),
  myFeedback: annotatorProcedure
    .input(PageInput.optional())
    .query(({ ctx, input }) => listMyFeedback(ctx.db, input, ctx.user)),
  myProblemReports: annotatorProcedure
    .input(ListMyProblemReportsInput.optional())
    .query(({ ctx, input }) => listMyProblemReports(ctx.db, input, ctx.user)),
  newFeedbackCount: annotatorProcedure.query(({ ctx }) => countNewFeedback(ctx.db, ctx.user)),
  markFeedbackSeen: annotatorProcedure.mutation(({ ctx }) => markFeedbackSeen(ctx.db, ctx.user)),
});
