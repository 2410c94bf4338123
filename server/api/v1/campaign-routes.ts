// The HTTP API's campaign routes: the list, one campaign, its settings, state, variants, batches,
// members, comparisons, leaderboard and dashboard. Each calls the service its tRPC procedure
// calls (server/api/routers), with that procedure's input schema and role.
import { z } from "zod";
import { NotFoundError } from "@/server/errors";
import { CampaignIdInput } from "@/server/services/campaigns/campaign-schemas";
import { getCampaignOverview } from "@/server/services/campaigns/campaign-overview";
import { CreateCampaignInput, createCampaign } from "@/server/services/campaigns/create-campaign";
import { ListCampaignsInput, listCampaigns } from "@/server/services/campaigns/list-campaigns";
import {
  closeBatch,
  CloseBatchInput,
  openNextBatch,
  OpenNextBatchInput,
} from "@/server/services/campaigns/open-next-batch";
import {
  CreateVariantInput,
  createVariant,
  UpdateVariantInput,
  updateVariant,
  VARIANT_NOT_FOUND,
} from "@/server/services/campaigns/save-variant";
import {
  SetCampaignMembersInput,
  setCampaignMembers,
} from "@/server/services/campaigns/set-campaign-members";
import { SetCampaignStatusInput, setCampaignStatus } from "@/server/services/campaigns/set-campaign-status";
import { UpdateCampaignInput, updateCampaign } from "@/server/services/campaigns/update-campaign";
import { DashboardInput, getCampaignDashboard } from "@/server/services/dashboard/campaign-dashboard";
import { getLeaderboard, LeaderboardInput } from "@/server/services/leaderboard/get-leaderboard";
import {
  ComparisonIdInput,
  getComparisonDetail,
  ListReviewQueueInput,
  listReviewQueue,
  ReviewComparisonInput,
  reviewComparison,
} from "@/server/services/quality/reviews";
import type { SessionUser } from "@/server/auth/session-user";
import type { Db } from "@/db/client";
import { defineApiRoute } from "./api-route";

const CAMPAIGN = "/api/v1/campaigns/{campaignId}";
const CampaignIdField = { campaignId: z.uuid("That is not a valid campaign id.") };

/** A comparison as its viewer may see it, only through its own campaign's path (a token limited
 * to one campaign reaches no other campaign's comparisons). */
async function comparisonInCampaign(
  db: Db,
  input: { campaignId: string; comparisonId: string },
  viewer: SessionUser,
) {
  const comparison = await getComparisonDetail(db, input, viewer);
  if (comparison.campaign.id !== input.campaignId) {
    throw new NotFoundError("This campaign has no comparison with that id.");
  }
  return comparison;
}

export const listCampaignsRoute = defineApiRoute({
  method: "GET",
  path: "/api/v1/campaigns",
  summary: "List campaigns",
  tag: "Campaigns",
  role: "admin",
  scope: "read",
  input: ListCampaignsInput,
  returns: "A page of campaigns, newest first, with their comparison counts and open batch.",
  handle: async ({ input, deps }) => listCampaigns(await deps.db(), input),
});

export const createCampaignRoute = defineApiRoute({
  method: "POST",
  path: "/api/v1/campaigns",
  summary: "Create a campaign",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: CreateCampaignInput,
  status: 201,
  returns: "The new campaign, a draft until its first batch opens.",
  handle: async ({ input, user, deps }) => createCampaign(await deps.db(), input, user),
});

export const getCampaignRoute = defineApiRoute({
  method: "GET",
  path: CAMPAIGN,
  summary: "Get a campaign",
  tag: "Campaigns",
  role: "admin",
  scope: "read",
  input: CampaignIdInput,
  returns: "The campaign's settings, variants, batches with their counts, members and setup checklist.",
  handle: async ({ input, deps }) => getCampaignOverview(await deps.db(), input),
});

export const updateCampaignRoute = defineApiRoute({
  method: "PUT",
  path: CAMPAIGN,
  summary: "Update a campaign's settings",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: UpdateCampaignInput,
  returns: "The campaign as saved. Send every setting: one left out goes back to its default.",
  handle: async ({ input, user, deps }) => updateCampaign(await deps.db(), input, user),
});

export const setCampaignStatusRoute = defineApiRoute({
  method: "POST",
  path: `${CAMPAIGN}/status`,
  summary: "Pause, resume, archive or restore a campaign",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: SetCampaignStatusInput,
  returns: "The campaign in its new state.",
  handle: async ({ input, user, deps }) => setCampaignStatus(await deps.db(), input, user),
});

export const createVariantRoute = defineApiRoute({
  method: "POST",
  path: `${CAMPAIGN}/variants`,
  summary: "Add a model variant",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: CreateVariantInput,
  status: 201,
  returns: "The new variant.",
  handle: async ({ input, user, deps }) => createVariant(await deps.db(), input, user),
});

export const updateVariantRoute = defineApiRoute({
  method: "PUT",
  path: `${CAMPAIGN}/variants/{variantId}`,
  summary: "Edit a model variant",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: UpdateVariantInput.extend(CampaignIdInput.shape),
  returns: "The variant as saved, and whether its version changed (open a new batch if so).",
  async handle({ input: { campaignId, ...variant }, user, deps }) {
    const db = await deps.db();
    // The variant must be the campaign's: a token limited to this campaign reaches no other.
    const { variants } = await getCampaignOverview(db, { campaignId });
    if (!variants.some(({ id }) => id === variant.variantId)) throw new NotFoundError(VARIANT_NOT_FOUND);
    return updateVariant(db, variant, user);
  },
});

export const openNextBatchRoute = defineApiRoute({
  method: "POST",
  path: `${CAMPAIGN}/batches`,
  summary: "Open the next batch",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: OpenNextBatchInput,
  status: 201,
  returns: "The new open batch (the previous one is closed). The first batch makes a draft active.",
  handle: async ({ input, user, deps }) => openNextBatch(await deps.db(), input, user),
});

export const closeBatchRoute = defineApiRoute({
  method: "POST",
  path: `${CAMPAIGN}/batches/close`,
  summary: "Close the open batch",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: CloseBatchInput,
  returns: "The closed batch (400 when none is open): collection stops until the next batch opens.",
  handle: async ({ input, user, deps }) => closeBatch(await deps.db(), input, user),
});

export const setMembersRoute = defineApiRoute({
  method: "PUT",
  path: `${CAMPAIGN}/members`,
  summary: "Set who may work in a campaign",
  tag: "Campaigns",
  role: "admin",
  scope: "admin",
  input: SetCampaignMembersInput,
  returns: "The campaign's membership mode and members.",
  handle: async ({ input, user, deps }) => setCampaignMembers(await deps.db(), input, user),
});

export const listComparisonsRoute = defineApiRoute({
  method: "GET",
  path: `${CAMPAIGN}/comparisons`,
  summary: "List a campaign's comparisons",
  tag: "Annotation data",
  role: "reviewer",
  scope: "read",
  // The review queue's list, always of one campaign.
  input: ListReviewQueueInput.extend(CampaignIdField),
  returns:
    "A page of comparisons with the given review status (pending: oldest first; decided: newest first).",
  handle: async ({ input, deps }) => listReviewQueue(await deps.db(), input),
});

export const leaderboardRoute = defineApiRoute({
  method: "GET",
  path: `${CAMPAIGN}/leaderboard`,
  summary: "Get a campaign's leaderboard",
  tag: "Annotation data",
  role: "admin",
  scope: "read",
  input: LeaderboardInput,
  returns:
    "Each variant's rank, score with its bootstrap interval and battles; win rates and battle counts per pair.",
  handle: async ({ input, deps }) => getLeaderboard(await deps.db(), input),
});

export const dashboardRoute = defineApiRoute({
  method: "GET",
  path: `${CAMPAIGN}/dashboard`,
  summary: "Get a campaign's dashboard figures",
  tag: "Annotation data",
  role: "admin",
  scope: "read",
  input: DashboardInput,
  returns: "Totals, comparisons per day and per batch with their strength shares, and time spent.",
  handle: async ({ input, deps }) => getCampaignDashboard(await deps.db(), input),
});

export const getComparisonRoute = defineApiRoute({
  method: "GET",
  path: `${CAMPAIGN}/comparisons/{comparisonId}`,
  summary: "Get a comparison",
  tag: "Annotation data",
  // As review.comparison: reviewers see any, annotators their own.
  role: "annotator",
  scope: "read",
  input: ComparisonIdInput.extend(CampaignIdField),
  returns: "The comparison with its dialogue, responses in the annotator's order, choice and review history.",
  handle: async ({ input, user, deps }) => comparisonInCampaign(await deps.db(), input, user),
});

export const reviewComparisonRoute = defineApiRoute({
  method: "POST",
  path: `${CAMPAIGN}/comparisons/{comparisonId}/review`,
  summary: "Accept or reject a comparison",
  tag: "Annotation data",
  role: "reviewer",
  scope: "annotate",
  input: ReviewComparisonInput.extend(CampaignIdField),
  status: 201,
  returns: "The review. Rejecting needs a comment (the annotator sees it); nobody reviews their own work.",
  async handle({ input: { campaignId, ...review }, user, deps }) {
    const db = await deps.db();
    await comparisonInCampaign(db, { campaignId, comparisonId: review.comparisonId }, user);
    return reviewComparison(db, review, user);
  },
});
