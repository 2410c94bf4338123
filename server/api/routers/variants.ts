// Model variants of a campaign: add, edit, and test the connection to their endpoint (saved or
// still in the form).
import { adminProcedure, router } from "../trpc";
import { summarizeDefaultModel } from "@/server/generation/default-model";
import { getGenerationRuntime } from "@/server/generation/runtime";
import {
  CreateVariantInput,
  createVariant,
  UpdateVariantInput,
  updateVariant,
} from "@/server/services/campaigns/save-variant";
import {
  TestUnsavedVariantInput,
  TestVariantConnectionInput,
  testUnsavedVariantConnection,
  testVariantConnection,
} from "@/server/services/campaigns/test-variant-connection";

export const variantsRouter = router({
  /** What a local variant without a model file of its own uses: the form's default. */
  defaultModel: adminProcedure.query(() => summarizeDefaultModel(getGenerationRuntime().defaultModel)),
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
  testUnsavedConnection: adminProcedure
    .input(TestUnsavedVariantInput)
    .mutation(({ ctx, input }) =>
      testUnsavedVariantConnection(ctx.db, input, ctx.user, getGenerationRuntime().resolver),
    ),
});
