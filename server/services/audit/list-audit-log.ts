// The audit log, newest first, with the acting user's email; filtered by actor (email, or part
// of it), action and date range.
import { and, count, desc, eq, gte, ilike, inArray, isNull, lt, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { auditLog, users } from "@/db/schema";
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
  return toPage(rows, total, input);
}
