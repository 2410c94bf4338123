"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "../../../_components/ui";

const TABS = [
  { path: "", label: "Overview" },
  { path: "/settings", label: "Settings" },
  { path: "/guidelines", label: "Guidelines" },
  { path: "/gold", label: "Gold" },
  { path: "/prompt-sets", label: "Prompt sets" },
  { path: "/dashboard", label: "Dashboard" },
  { path: "/leaderboard", label: "Leaderboard" },
  { path: "/integrity", label: "Integrity" },
  { path: "/assist", label: "Model assist" },
  { path: "/webhooks", label: "Webhooks" },
] as const;

export function CampaignTabs({ campaignId }: { campaignId: string }) {
  const pathname = usePathname();
  const base = `/admin/campaigns/${campaignId}`;
  return (
    <nav aria-label="Campaign" className="flex flex-wrap gap-1 border-b border-slate-200">
      {TABS.map((tab) => {
        const href = `${base}${tab.path}`;
        const isCurrent = pathname === href;
        return (
          <Link
            key={tab.label}
            href={href}
            aria-current={isCurrent ? "page" : undefined}
            className={cx(
              "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
              isCurrent
                ? "border-indigo-600 text-indigo-700"
                : "border-transparent text-slate-600 hover:text-slate-900",
            )}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}
