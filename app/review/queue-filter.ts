// The review queue's filter as URL parameters: which campaign (none for all), which review
// status, one annotator's comparisons only (from the Integrity tab's "Send to review"), the order
// (submitted, or the LLM judge's disagreements first), which page. The queue page and a comparison opened from it read the same parameters.
import { REVIEW_QUEUE_ORDERS, type ReviewQueueOrder } from "@/lib/constants";

/** The review states (the database's review_status, which client code cannot import). */
const REVIEW_STATUSES = ["pending", "accepted", "rejected"] as const;

export interface QueueFilter {
  campaignId?: string;
  annotatorId?: string;
  status: (typeof REVIEW_STATUSES)[number];
  order: ReviewQueueOrder;
  page: number;
}

export function queueFilterOf(params: { get(name: string): string | null }): QueueFilter {
  const status = params.get("status");
  return {
    campaignId: params.get("campaign") || undefined,
    annotatorId: params.get("annotator") || undefined,
    status: REVIEW_STATUSES.find((known) => known === status) ?? "pending",
    order: REVIEW_QUEUE_ORDERS.find((known) => known === params.get("order")) ?? "submitted",
    page: Math.max(1, Number(params.get("page")) || 1),
  };
}

export function queueQueryOf(filter: QueueFilter): string {
  const params = new URLSearchParams();
  if (filter.campaignId) params.set("campaign", filter.campaignId);
  if (filter.annotatorId) params.set("annotator", filter.annotatorId);
  if (filter.status !== "pending") params.set("status", filter.status);
  if (filter.order !== "submitted") params.set("order", filter.order);
  if (filter.page > 1) params.set("page", String(filter.page));
  return params.toString();
}
