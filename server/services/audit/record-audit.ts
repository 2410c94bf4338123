// Writes one audit log entry; call it inside the transaction of the action it records.
import type { Db } from "@/db/client";
import { auditLog } from "@/db/schema";

export type AuditAction =
  | "user.seeded_admin"
  | "user.invited"
  | "user.invitation_reissued"
  | "user.invitation_accepted"
  | "user.role_changed"
  | "user.deactivated"
  | "user.reactivated";

export interface AuditRecord {
  actorId: string | null;
  action: AuditAction;
  targetType: "user";
  targetId: string;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Db, record: AuditRecord) {
  await db.insert(auditLog).values({ ...record, details: record.details ?? {} });
}
