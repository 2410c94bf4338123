// Batches: close the current one and open the next (usually when variants change version).
import { adminProcedure, router } from "../trpc";
import {
  closeBatch,
  CloseBatchInput,
  openNextBatch,
  OpenNextBatchInput,
} from "@/server/services/campaigns/open-next-batch";

export const batchesRouter = router({
  openNext: adminProcedure
    .input(OpenNextBatchInput)
    .mutation(({ ctx, input }) => openNextBatch(ctx.db, input, ctx.user)),
  close: adminProcedure
    .input(CloseBatchInput)
    .mutation(({ ctx, input }) => closeBatch(ctx.db, input, ctx.user)),
});
