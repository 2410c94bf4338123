import type { CampaignStatus } from "@/lib/constants";
import { cx } from "../../../_components/ui";
import { STATUS_LABELS, STATUS_STYLES } from "./labels";

export function StatusBadge({ status }: { status: CampaignStatus }) {
  return (
    <span
      className={cx("rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", STATUS_STYLES[status])}
    >
      {STATUS_LABELS[status]}
    </span>
  );
}
