// The audit log, newest first, with the acting user's email.
import { count, desc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { auditLog, users } from "@/db/schema";
import { offsetOf, PageInput, toPage } from "../pagination";

export const ListAuditLogInput = PageInput;
export type ListAuditLogInput = z.infer<typeof ListAuditLogInput>;

export async function listAuditLog(db: Db, input: ListAuditLogInput) {
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
    .orderBy(desc(auditLog.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(auditLog);
  return toPage(rows, total, input);
}
