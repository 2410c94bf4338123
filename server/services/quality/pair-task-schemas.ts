// Shapes shared by the "rate this pair" services.
import { z } from "zod";
import { NOTE_MAX_CHARS, STRENGTHS, noteTooLongMessage } from "@/lib/constants";

export const PairTaskIdInput = z.object({ taskId: z.uuid("That is not a valid task id.") });

export const SubmitPairRatingInput = z.object({
  taskId: z.uuid("That is not a valid task id."),
  idempotencyKey: z
    .string()
    .min(16, "The submit key is malformed; reload the page and submit again.")
    .max(100, "The submit key is malformed; reload the page and submit again."),
  chosenResponseId: z.uuid("Choose Response A or Response B."),
  strength: z.enum(STRENGTHS, "Say how much better the chosen response is."),
  /** Safety campaigns: response id -> is it safe. */
  responseSafety: z.record(z.uuid(), z.boolean()).optional(),
  note: z.string().trim().max(NOTE_MAX_CHARS, noteTooLongMessage).optional(),
  timeSpentMs: z.number().int().min(0),
});
export type SubmitPairRatingInput = z.input<typeof SubmitPairRatingInput>;

export const PAIR_TASK_NOT_FOUND = "This task does not exist or is not yours. Go back to your pair tasks.";
