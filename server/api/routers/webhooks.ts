// A campaign's webhooks: admins add and remove them, read their delivery log and send a test event.
import { adminProcedure, router } from "../trpc";
import {
  CampaignWebhooksInput,
  CreateWebhookInput,
  WebhookIdInput,
  createWebhook,
  deleteWebhook,
  listWebhooks,
  SetWebhookActiveInput,
  setWebhookActive,
  sendTestWebhookEvent,
} from "@/server/services/webhooks/manage-webhooks";
import {
  ComparisonTargetInput,
  getComparisonTarget,
  SetComparisonTargetInput,
  setComparisonTarget,
} from "@/server/services/webhooks/comparison-target";

export const webhooksRouter = router({
  list: adminProcedure.input(CampaignWebhooksInput).query(({ ctx, input }) => listWebhooks(ctx.db, input)),
  create: adminProcedure
    .input(CreateWebhookInput)
    .mutation(({ ctx, input }) => createWebhook(ctx.db, input, ctx.user)),
  delete: adminProcedure
    .input(WebhookIdInput)
    .mutation(({ ctx, input }) => deleteWebhook(ctx.db, input, ctx.user)),
  setActive: adminProcedure
    .input(SetWebhookActiveInput)
    .mutation(({ ctx, input }) => setWebhookActive(ctx.db, input, ctx.user)),
  sendTest: adminProcedure
    .input(WebhookIdInput)
    .mutation(({ ctx, input }) => sendTestWebhookEvent(ctx.db, input, ctx.user)),
  /** The campaign's target number of comparisons, whose reaching sends "quota.reached". */
  target: adminProcedure
    .input(ComparisonTargetInput)
    .query(({ ctx, input }) => getComparisonTarget(ctx.db, input)),
  setTarget: adminProcedure
    .input(SetComparisonTargetInput)
    .mutation(({ ctx, input }) => setComparisonTarget(ctx.db, input, ctx.user)),
});
