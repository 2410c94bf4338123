// The audit log, newest first, with the acting user's email and the name of what was acted on
// (campaign, user, variant, batch) instead of its id; filtered by actor (email, or part of it),
// action and date range.
import { and, count, desc, eq, gte, ilike, inArray, isNull, lt, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { auditLog, batches, campaigns, modelVariants, users } from "@/db/schema";
import { containsPattern, offsetOf, PageInput, toPage } from "../pagination";
import { AUDIT_ACTIONS } from "./record-audit";

export const ListAuditLogInput = PageInput.extend({
  /** Part of the actor's email; "system" for actions Arbiter took itself. */
  actor: z.string().trim().max(254, "The actor filter can be at most 254 characters long.").optional(),
  action: z.enum(AUDIT_ACTIONS, "Choose an action from the list.").optional(),
  /** Inclusive start and exclusive end (ISO dates or date-times). */
  from: z.coerce.date({ message: "The start date is not a valid date." }).optional(),
  to: z.coerce.date({ message: "The end date is not a valid date." }).optional(),
});
export type ListAuditLogInput = z.input<typeof ListAuditLogInput>;

export async function listAuditLog(db: Db, rawInput: ListAuditLogInput) {
  const input = ListAuditLogInput.parse(rawInput);
  const conditions: SQL[] = [];
  if (input.actor) {
    if (input.actor.toLowerCase() === "system") {
      conditions.push(isNull(auditLog.actorId));
    } else {
      const matching = db
        .select({ id: users.id })
        .from(users)
        .where(ilike(users.email, containsPattern(input.actor)));
      conditions.push(inArray(auditLog.actorId, matching));
    }
  }
  if (input.action) conditions.push(eq(auditLog.action, input.action));
  if (input.from) conditions.push(gte(auditLog.createdAt, input.from));
  if (input.to) conditions.push(lt(auditLog.createdAt, input.to));
  const where = conditions.length > 0 ? and(...conditions) : undefined;

  const actor = alias(users, "actor");
  const rows = await db
    .select({
      id: auditLog.id,
      action: auditLog.action,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      details: auditLog.details,
      createdAt: auditLog.createdAt,
      actorEmail: actor.email,
    })
    .from(auditLog)
    .leftJoin(actor, eq(actor.id, auditLog.actorId))
    .where(where)
    .orderBy(desc(auditLog.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(auditLog).where(where);
  const names = await namesOf(db, rows);
  return toPage(
    rows.map((row) => ({
      ...row,
      targetName: row.targetId ? (names.get(row.targetId) ?? null) : null,
      details: readableDetails(row.details, names),
    })),
    total,
    input,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Names of the campaigns, users, variants and batches a page of entries mentions, by id. */
async function namesOf(db: Db, rows: { targetId: string | null; details: Record<string, unknown> }[]) {
  const ids = new Set<string>();
  for (const row of rows) {
    if (row.targetId && UUID.test(row.targetId)) ids.add(row.targetId);
    const campaignId = row.details.campaignId;
    if (typeof campaignId === "string" && UUID.test(campaignId)) ids.add(campaignId);
  }
  const names = new Map<string, string>();
  if (ids.size === 0) return names;
  const wanted = [...ids];
  const [campaignRows, userRows, variantRows, batchRows] = await Promise.all([
    db
      .select({ id: campaigns.id, name: campaigns.name })
      .from(campaigns)
      .where(inArray(campaigns.id, wanted)),
    db.select({ id: users.id, name: users.email }).from(users).where(inArray(users.id, wanted)),
    db
      .select({ id: modelVariants.id, name: modelVariants.name })
      .from(modelVariants)
      .where(inArray(modelVariants.id, wanted)),
    db
      .select({ id: batches.id, number: batches.number, campaign: campaigns.name })
      .from(batches)
      .innerJoin(campaigns, eq(campaigns.id, batches.campaignId))
      .where(inArray(batches.id, wanted)),
  ]);
  for (const row of [...campaignRows, ...userRows, ...variantRows]) names.set(row.id, row.name);
  for (const row of batchRows) names.set(row.id, `batch ${row.number} of ${row.campaign}`);
  return names;
}

/** Details without empty fields, a campaign id as the campaign's name. */
function readableDetails(details: Record<string, unknown>, names: Map<string, string>) {
  const readable: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (value === null || value === undefined) continue;
    if (key === "campaignId" && typeof value === "string") readable.campaign = names.get(value) ?? value;
    else readable[key] = value;
  }
  return readable;
}
