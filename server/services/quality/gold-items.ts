// Gold pairs: turns whose right answer is known. An admin marks a primary comparison as gold
// (its choice becomes the expected answer) or imports gold pairs as JSONL; annotators meet them
// blind as "rate this pair" tasks (claim-pair-task.ts), and accuracy is reported per annotator.
import { and, count, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { comparisons, goldItems, pairTasks, turns, users } from "@/db/schema";
import { STRENGTHS } from "@/lib/constants";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError, NotFoundError, ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { offsetOf, PageInput, toPage } from "../pagination";

export const MarkGoldInput = z.object({
  comparisonId: z.uuid("That is not a valid comparison id."),
  /** Default: the comparison's own strength; null: judge the choice only. */
  expectedStrength: z.enum(STRENGTHS).nullish(),
  explanation: z.string().trim().max(2000, "An explanation can be at most 2,000 characters long.").optional(),
});
export type MarkGoldInput = z.input<typeof MarkGoldInput>;

export async function markGold(db: Db, rawInput: MarkGoldInput, actor: Pick<SessionUser, "id">) {
  const input = MarkGoldInput.parse(rawInput);
  return db.transaction(async (tx) => {
    const [comparison] = await tx
      .select()
      .from(comparisons)
      .where(eq(comparisons.id, input.comparisonId))
      .for("update");
    if (!comparison) throw new NotFoundError("That comparison does not exist.");
    if (comparison.source !== "primary") {
      throw new ValidationError("Only an author's own comparison can become gold, not a second rating.");
    }
    const [item] = await tx
      .insert(goldItems)
      .values({
        campaignId: comparison.campaignId,
        turnId: comparison.turnId,
        sourceComparisonId: comparison.id,
        expectedChosenResponseId: comparison.chosenResponseId,
        expectedStrength: input.expectedStrength === undefined ? comparison.strength : input.expectedStrength,
        explanation: input.explanation || null,
        createdById: actor.id,
      })
      .onConflictDoNothing()
      .returning();
    if (!item) throw new ConflictError("This turn is already a gold item.");
    await tx.update(comparisons).set({ isGold: true }).where(eq(comparisons.id, comparison.id));
    await recordAudit(tx, {
      actorId: actor.id,
      action: "gold.marked",
      targetType: "gold_item",
      targetId: item.id,
      details: { campaignId: comparison.campaignId, comparisonId: comparison.id },
    });
    return item;
  });
}

export const UnmarkGoldInput = z.object({ goldItemId: z.uuid("That is not a valid gold item id.") });

/** Possible until someone has rated the item: their accuracy must not change afterwards. */
export async function unmarkGold(
  db: Db,
  input: z.infer<typeof UnmarkGoldInput>,
  actor: Pick<SessionUser, "id">,
) {
  return db.transaction(async (tx) => {
    const [item] = await tx.select().from(goldItems).where(eq(goldItems.id, input.goldItemId)).for("update");
    if (!item) throw new NotFoundError("That gold item does not exist.");
    const [{ rated }] = await tx
      .select({ rated: count() })
      .from(pairTasks)
      .where(and(eq(pairTasks.goldItemId, item.id), eq(pairTasks.status, "done")));
    if (rated > 0) {
      throw new ValidationError(
        `This gold item was already rated ${rated} time${rated === 1 ? "" : "s"}, so it stays gold to keep accuracy figures stable.`,
      );
    }
    await tx.delete(goldItems).where(eq(goldItems.id, item.id));
    if (item.sourceComparisonId) {
      await tx.update(comparisons).set({ isGold: false }).where(eq(comparisons.id, item.sourceComparisonId));
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: "gold.unmarked",
      targetType: "gold_item",
      targetId: item.id,
      details: { campaignId: item.campaignId, comparisonId: item.sourceComparisonId },
    });
    return { goldItemId: item.id };
  });
}

export const ListGoldItemsInput = PageInput.extend({ campaignId: z.uuid() });
export type ListGoldItemsInput = z.input<typeof ListGoldItemsInput>;

export async function listGoldItems(db: Db, rawInput: ListGoldItemsInput) {
  const input = ListGoldItemsInput.parse(rawInput);
  const rows = await db
    .select({
      id: goldItems.id,
      userMessage: turns.userMessage,
      expectedStrength: goldItems.expectedStrength,
      explanation: goldItems.explanation,
      sourceComparisonId: goldItems.sourceComparisonId,
      createdAt: goldItems.createdAt,
      createdBy: users.email,
      ratings: sql<number>`(select count(*)::int from ${pairTasks} where ${pairTasks.goldItemId} = ${goldItems.id} and ${pairTasks.status} = 'done')`,
      correct: sql<number>`(select count(*)::int from ${pairTasks} where ${pairTasks.goldItemId} = ${goldItems.id} and ${pairTasks.status} = 'done' and ${pairTasks.resultSide} = ${pairTasks.referenceSide})`,
    })
    .from(goldItems)
    .innerJoin(turns, eq(turns.id, goldItems.turnId))
    .leftJoin(users, eq(users.id, goldItems.createdById))
    .where(eq(goldItems.campaignId, input.campaignId))
    .orderBy(desc(goldItems.createdAt), desc(goldItems.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: count() })
    .from(goldItems)
    .where(eq(goldItems.campaignId, input.campaignId));
  return toPage(rows, total, input);
}
