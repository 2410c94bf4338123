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
});
