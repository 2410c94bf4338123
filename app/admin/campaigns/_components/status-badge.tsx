import type { CampaignStatus } from "@/lib/constants";
import { cx } from "../../../_components/ui";
import { useCampaignFormat } from "./use-campaign-format";

const STATUS_STYLES: Record<CampaignStatus, string> = {
  draft: "bg-slate-100 text-slate-700 ring-slate-200",
  active: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  paused: "bg-amber-50 text-amber-800 ring-amber-200",
  archived: "bg-slate-100 text-slate-500 ring-slate-200",
};

export function StatusBadge({ status }: { status: CampaignStatus }) {
  const format = useCampaignFormat();
  return (
    <span
      className={cx("rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", STATUS_STYLES[status])}
    >
      {format.status(status)}
    </span>
  );
}
