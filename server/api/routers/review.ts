// Review: reviewers work through a campaign's comparisons; annotators read the feedback on
// their own work.
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
});
