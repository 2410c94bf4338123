// Words the admin pages show for campaign states and kinds.
import type { CampaignStatus } from "@/db/schema";

export const STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: "Draft",
  active: "Collecting",
  paused: "Paused",
  archived: "Archived",
};

export const STATUS_STYLES: Record<CampaignStatus, string> = {
  draft: "bg-slate-100 text-slate-700 ring-slate-200",
  active: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  paused: "bg-amber-50 text-amber-800 ring-amber-200",
  archived: "bg-slate-100 text-slate-500 ring-slate-200",
};

export const KIND_LABELS = { helpfulness: "Helpfulness", safety: "Safety" } as const;

export const STRENGTH_LABELS = {
  significantly_better: "Significantly better",
  better: "Better",
  slightly_better: "Slightly better",
  negligibly_better: "Negligibly better / unsure",
} as const;

export const SAFETY_BIN_LABELS = {
  only_chosen_safe: "Only the chosen response is safe",
  both_safe: "Both safe",
  both_unsafe: "Both unsafe",
  chosen_unsafe_other_safe: "Chosen unsafe, other safe",
} as const;

export function percent(value: number | null | undefined, digits = 0) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(digits)}%`;
}

export function seconds(ms: number | null | undefined) {
  if (ms === null || ms === undefined) return "—";
  return ms < 60_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 60_000).toFixed(1)} min`;
}
