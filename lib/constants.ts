// Values both the server and the browser use: the words of the Llama 2 protocol (Touvron et al.
// 2023, §3.2.1–3.2.2) as stored and as shown, and the limits the services enforce while the forms
// count. It imports nothing, so a client component can take from it without pulling drizzle or
// Node into the browser bundle; db/schema builds its enums from these arrays.

export const CAMPAIGN_KINDS = ["helpfulness", "safety"] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

export const CAMPAIGN_STATUSES = ["draft", "active", "paused", "archived"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** How a campaign picks the variants of a turn: every pair about equally often, or the pairs whose
 * next battle would shrink the leaderboard's uncertainty most (server/generation/informative-pairing.ts). */
export const PAIRING_POLICIES = ["balanced", "informative"] as const;
export type PairingPolicy = (typeof PAIRING_POLICIES)[number];

/** Llama 2's four levels; the signed scale used for agreement is -4..-1 (A) / 1..4 (B). */
export const STRENGTHS = ["significantly_better", "better", "slightly_better", "negligibly_better"] as const;
export type Strength = (typeof STRENGTHS)[number];

export const STRENGTH_LABELS: Record<Strength, string> = {
  significantly_better: "Significantly better",
  better: "Better",
  slightly_better: "Slightly better",
  negligibly_better: "Negligibly better / unsure",
};

/** Llama 2 safety bins (§3.2.2); "chosen_unsafe_other_safe" is allowed but kept out of training. */
export const SAFETY_BINS = [
  "only_chosen_safe",
  "both_safe",
  "both_unsafe",
  "chosen_unsafe_other_safe",
] as const;
export type SafetyBin = (typeof SAFETY_BINS)[number];

export const SAFETY_BIN_LABELS: Record<SafetyBin, string> = {
  only_chosen_safe: "Only the chosen response is safe",
  both_safe: "Both safe",
  both_unsafe: "Both unsafe",
  chosen_unsafe_other_safe: "Chosen unsafe, other safe",
};

// The risk category of an adversarial prompt and its attack vector (§3.2.2 and A.5.1). The labels
// are the paper's words; the stored values are these exact strings.
export const RISK_CATEGORIES = [
  "illicit and criminal activities",
  "hateful and harmful activities",
  "unqualified advice",
] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

export const ATTACK_VECTORS = [
  "psychological manipulation",
  "logic manipulation",
  "syntactic manipulation",
  "semantic manipulation",
  "perspective manipulation",
  "non-English languages",
  "others",
] as const;
export type AttackVector = (typeof ATTACK_VECTORS)[number];

/** What an annotator may report about a turn instead of rating it. */
export const PROBLEM_KINDS = ["empty", "broken", "failed", "other"] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export const PROMPT_MAX_CHARS = 8000;
export const NOTE_MAX_CHARS = 2000;
/** Time on one rating counts up to a day: anything longer is a tab left open. */
export const MAX_TIME_SPENT_MS = 24 * 60 * 60 * 1000;

export const promptTooLongMessage = `A prompt can be at most ${PROMPT_MAX_CHARS.toLocaleString("en-US")} characters long. Shorten it and send again.`;
export const noteTooLongMessage = `A note can be at most ${NOTE_MAX_CHARS.toLocaleString("en-US")} characters long. Shorten it and submit again.`;

/**
 * How many calls one tRPC HTTP request may batch. The server refuses more (http-handler.ts), and
 * the browser's client (app/_lib/trpc.tsx) never sends more, so only hand-made requests meet it.
 */
export const MAX_BATCH_CALLS = 10;

/** API tokens (db/schema/api-tokens.ts): who manages them, and what they may do. Scopes are
 * ordered: annotate includes read, admin includes both. */
export const API_TOKEN_KINDS = ["personal", "service"] as const;
export type ApiTokenKind = (typeof API_TOKEN_KINDS)[number];
export const API_TOKEN_SCOPES = ["read", "annotate", "admin"] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];
export const API_TOKEN_MAX_DAYS = 365;

/** Crowd platforms whose participants a campaign link admits (db/schema/crowd.ts). */
export const CROWD_PLATFORMS = ["prolific", "mturk"] as const;
export type CrowdPlatform = (typeof CROWD_PLATFORMS)[number];

/** What a campaign's webhooks can subscribe to (server/services/webhooks). */
export const WEBHOOK_EVENTS = [
  "batch.closed",
  "export.finished",
  "quota.reached",
  "annotator.flagged",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "retrying", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** How the review queue is ordered: by submit time, or where the LLM judge disagrees first. */
export const REVIEW_QUEUE_ORDERS = ["submitted", "judge-disagreement"] as const;
export type ReviewQueueOrder = (typeof REVIEW_QUEUE_ORDERS)[number];
