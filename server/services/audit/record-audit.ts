// Writes one audit log entry; call it inside the transaction of the action it records. An action
// taken through an API token names the token in the entry's details.
import type { Db } from "@/db/client";
import { auditLog } from "@/db/schema";
import { currentApiToken } from "./api-token-context";

/** Every action the log records; the audit page offers them as a filter. */
export const AUDIT_ACTIONS = [
  "user.seeded_admin",
  "user.invited",
  "user.invitation_reissued",
  "user.invitation_accepted",
  "user.created_by_sso",
  "user.role_changed",
  "user.deactivated",
  "user.reactivated",
  "campaign.seeded_demo",
  "campaign.created",
  "campaign.updated",
  "campaign.duplicated",
  "campaign.paused",
  "campaign.resumed",
  "campaign.archived",
  "campaign.restored",
  "campaign.guidelines_updated",
  "campaign.guidelines_translated",
  "campaign.guidelines_translation_removed",
  "campaign.members_changed",
  "campaign.synthetic_data_generated",
  "variant.created",
  "variant.updated",
  "variant.connection_tested",
  "batch.opened",
  "batch.closed",
  "gold.marked",
  "gold.unmarked",
  "gold.imported",
  "prompt_set.imported",
  "comparison.accepted",
  "comparison.rejected",
  "comparison.sent_to_review",
  "problem_report.resolved",
  "api_token.created",
  "api_token.revoked",
  "webhook.created",
  "webhook.deleted",
  "webhook.paused",
  "webhook.resumed",
  "webhook.test_sent",
  "campaign.judge_set",
  "campaign.reward_model_set",
  "campaign.best_of_n_set",
  "crowd_link.created",
  "crowd_link.revoked",
  "crowd_participant.created",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGET_TYPES = [
  "user",
  "campaign",
  "variant",
  "batch",
  "comparison",
  "gold_item",
  "problem_report",
  "api_token",
  "webhook",
  "crowd_link",
] as const;

export interface AuditRecord {
  actorId: string | null;
  action: AuditAction;
  targetType: (typeof AUDIT_TARGET_TYPES)[number];
  targetId: string;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Db, record: AuditRecord) {
  const token = currentApiToken();
  const details = { ...record.details, ...(token && { apiToken: token.label, apiTokenId: token.id }) };
  await db.insert(auditLog).values({ ...record, details });
}
