"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import { cx } from "../../../_components/ui";

const TABS = [
  { path: "", label: "overview" },
  { path: "/settings", label: "settings" },
  { path: "/guidelines", label: "guidelines" },
  { path: "/gold", label: "gold" },
  { path: "/prompt-sets", label: "promptSets" },
  { path: "/dashboard", label: "dashboard" },
  { path: "/leaderboard", label: "leaderboard" },
  { path: "/integrity", label: "integrity" },
  { path: "/assist", label: "assist" },
  { path: "/webhooks", label: "webhooks" },
  { path: "/crowd", label: "crowd" },
] as const;

export function CampaignTabs({ campaignId }: { campaignId: string }) {
  const pathname = usePathname();
  const t = useTranslations("CampaignTabs");
  const base = `/admin/campaigns/${campaignId}`;
  return (
    <nav aria-label={t("label")} className="flex flex-wrap gap-1 border-b border-slate-200">
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
            {t(tab.label)}
          </Link>
        );
      })}
    </nav>
  );
}
