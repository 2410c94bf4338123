// Model variants of a campaign: add, edit, and test the connection to their endpoint.
import { adminProcedure, router } from "../trpc";
import { getGenerationRuntime } from "@/server/generation/runtime";
import {
  CreateVariantInput,
  createVariant,
  UpdateVariantInput,
  updateVariant,
} from "@/server/services/campaigns/save-variant";
import {
  TestVariantConnectionInput,
  testVariantConnection,
} from "@/server/services/campaigns/test-variant-connection";

export const variantsRouter = router({
  create: adminProcedure
    .input(CreateVariantInput)
    .mutation(({ ctx, input }) => createVariant(ctx.db, input, ctx.user)),
  update: adminProcedure
    .input(UpdateVariantInput)
    .mutation(({ ctx, input }) => updateVariant(ctx.db, input, ctx.user)),
  testConnection: adminProcedure
    .input(TestVariantConnectionInput)
    .mutation(({ ctx, input }) =>
      testVariantConnection(ctx.db, input, ctx.user, getGenerationRuntime().resolver),
    ),
});
