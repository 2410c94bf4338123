// An admin (or a pipeline with an admin token) imports a prompt set into a campaign: the files
// are read and checked completely before anything is written, then the set, its prompts and one
// slot per (prompt, annotator it should reach) are written in one transaction.
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { bulkInsert } from "@/db/bulk-insert";
import type { Db } from "@/db/client";
import { PROMPT_SET_FORMATS, promptSetItems, promptSets } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError, ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { findCampaign, requireNotArchived } from "../campaigns/campaign-access";
import { isUniqueViolation } from "../users/user-schemas";
import { readPromptFiles, type PromptFile } from "./read-prompt-files";

/** The files of one import together, decoded. */
export const PROMPT_SET_MAX_BYTES = 20 * 1024 * 1024;
/** Prompts × annotators per prompt: the slots one set may add. */
export const PROMPT_SET_MAX_SLOTS = 200_000;

export const ImportPromptSetInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  name: z.string().trim().min(1, "Name the prompt set.").max(100, "The name can be at most 100 characters."),
  format: z.enum(PROMPT_SET_FORMATS, { message: "The format is jsonl, csv, parquet or huggingface." }),
  /** One file, or a Hugging Face dataset folder's files with their paths; contents in base64. */
  files: z
    .array(
      z.object({
        name: z.string().trim().min(1, "A file has no name.").max(500, "A file's path is too long."),
        contentBase64: z.base64("A file's content is not base64."),
      }),
    )
    .min(1, "Choose a file.")
    .max(500, "Choose at most 500 files."),
  annotatorsPerPrompt: z.number().int().min(1, "Serve each prompt at least once.").max(20).default(1),
  replacesOwnPrompts: z.boolean().default(false),
});
export type ImportPromptSetInput = z.input<typeof ImportPromptSetInput>;

function decodeFiles(input: z.output<typeof ImportPromptSetInput>): PromptFile[] {
  if (input.format !== "huggingface" && input.files.length > 1) {
    throw new ValidationError("Choose one file, or the huggingface format for a dataset folder.");
  }
  let total = 0;
  return input.files.map((file) => {
    const bytes = Buffer.from(file.contentBase64, "base64");
    total += bytes.byteLength;
    if (total > PROMPT_SET_MAX_BYTES) {
      throw new ValidationError("The files are larger than 20 MB together; split the set.");
    }
    return { name: file.name, bytes };
  });
}

export async function importPromptSet(db: Db, rawInput: ImportPromptSetInput, actor: SessionUser) {
  const input = ImportPromptSetInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  requireNotArchived(campaign);
  const prompts = await readPromptFiles(input.format, decodeFiles(input));
  if (prompts.length * input.annotatorsPerPrompt > PROMPT_SET_MAX_SLOTS) {
    throw new ValidationError(
      `${prompts.length} prompts for ${input.annotatorsPerPrompt} annotators each is over ${PROMPT_SET_MAX_SLOTS.toLocaleString("en-US")} servings: serve each to fewer annotators or split the set.`,
    );
  }
  try {
    return await db.transaction(async (tx) => {
      const [set] = await tx
        .insert(promptSets)
        .values({
          campaignId: campaign.id,
          name: input.name,
          format: input.format,
          itemCount: prompts.length,
          annotatorsPerPrompt: input.annotatorsPerPrompt,
          replacesOwnPrompts: input.replacesOwnPrompts,
          createdById: actor.id,
        })
        .returning();
      const items = prompts.map((prompt, position) => ({
        id: crypto.randomUUID(),
        setId: set.id,
        position,
        ...prompt,
      }));
      await bulkInsert(
        tx,
        promptSetItems,
        ["id", "setId", "position", "prompt", "systemPrompt", "category", "referenceAnswer"],
        items,
      );
      await tx.execute(sql`
        insert into prompt_slots (campaign_id, set_id, item_id, slot, position)
        select ${campaign.id}::uuid, ${set.id}::uuid, item.id, serving.slot, item.position
        from prompt_set_items item cross join generate_series(1, ${input.annotatorsPerPrompt}::int) as serving(slot)
        where item.set_id = ${set.id}::uuid`);
      await recordAudit(tx, {
        actorId: actor.id,
        action: "prompt_set.imported",
        targetType: "campaign",
        targetId: campaign.id,
        details: {
          campaignId: campaign.id,
          name: set.name,
          format: set.format,
          prompts: set.itemCount,
          annotatorsPerPrompt: set.annotatorsPerPrompt,
        },
      });
      return {
        id: set.id,
        name: set.name,
        itemCount: set.itemCount,
        annotatorsPerPrompt: set.annotatorsPerPrompt,
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(
        `"${campaign.name}" already has a prompt set named "${input.name}". Choose another name.`,
      );
    }
    throw error;
  }
}
