// Campaign administration: the list, one campaign's overview, and every change to it.
import { adminProcedure, router } from "../trpc";
import { CampaignIdInput } from "@/server/services/campaigns/campaign-schemas";
import { getCampaignOverview } from "@/server/services/campaigns/campaign-overview";
import { CreateCampaignInput, createCampaign } from "@/server/services/campaigns/create-campaign";
import { DuplicateCampaignInput, duplicateCampaign } from "@/server/services/campaigns/duplicate-campaign";
import {
  ListGuidelineVersionsInput,
  listGuidelineVersions,
  UpdateGuidelinesInput,
  updateGuidelines,
} from "@/server/services/campaigns/guidelines";
import {
  ListGuidelineTranslationsInput,
  listGuidelineTranslations,
  SaveGuidelineTranslationInput,
  saveGuidelineTranslation,
} from "@/server/services/campaigns/guideline-translations";
import { ListCampaignsInput, listCampaigns } from "@/server/services/campaigns/list-campaigns";
import {
  SetCampaignMembersInput,
  setCampaignMembers,
} from "@/server/services/campaigns/set-campaign-members";
import { SetCampaignStatusInput, setCampaignStatus } from "@/server/services/campaigns/set-campaign-status";
import { UpdateCampaignInput, updateCampaign } from "@/server/services/campaigns/update-campaign";

export const campaignsRouter = router({
  list: adminProcedure.input(ListCampaignsInput).query(({ ctx, input }) => listCampaigns(ctx.db, input)),
  overview: adminProcedure
    .input(CampaignIdInput)
    .query(({ ctx, input }) => getCampaignOverview(ctx.db, input)),
  create: adminProcedure
    .input(CreateCampaignInput)
    .mutation(({ ctx, input }) => createCampaign(ctx.db, input, ctx.user)),
  update: adminProcedure
    .input(UpdateCampaignInput)
    .mutation(({ ctx, input }) => updateCampaign(ctx.db, input, ctx.user)),
  duplicate: adminProcedure
    .input(DuplicateCampaignInput)
    .mutation(({ ctx, input }) => duplicateCampaign(ctx.db, input, ctx.user)),
  setStatus: adminProcedure
    .input(SetCampaignStatusInput)
    .mutation(({ ctx, input }) => setCampaignStatus(ctx.db, input, ctx.user)),
  setMembers: adminProcedure
    .input(SetCampaignMembersInput)
    .mutation(({ ctx, input }) => setCampaignMembers(ctx.db, input, ctx.user)),
  updateGuidelines: adminProcedure
    .input(UpdateGuidelinesInput)
    .mutation(({ ctx, input }) => updateGuidelines(ctx.db, input, ctx.user)),
  guidelineVersions: adminProcedure
    .input(ListGuidelineVersionsInput)
    .query(({ ctx, input }) => listGuidelineVersions(ctx.db, input)),
  guidelineTranslations: adminProcedure
    .input(ListGuidelineTranslationsInput)
    .query(({ ctx, input }) => listGuidelineTranslations(ctx.db, input)),
  saveGuidelineTranslation: adminProcedure
    .input(SaveGuidelineTranslationInput)
    .mutation(({ ctx, input }) => saveGuidelineTranslation(ctx.db, input, ctx.user)),
});
