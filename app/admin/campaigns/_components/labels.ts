// Words the admin pages show for campaign states and kinds.
import type { CampaignStatus } from "@/lib/constants";

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

export function percent(value: number | null | undefined, digits = 0) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(digits)}%`;
}

export function seconds(ms: number | null | undefined) {
  if (ms === null || ms === undefined) return "—";
  return ms < 60_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 60_000).toFixed(1)} min`;
}
