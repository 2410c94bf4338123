// The annotator's figures: totals, then one block per campaign they worked in.
import { useTranslations } from "next-intl";
import { Card } from "../../_components/ui";
import { useWorkFormat } from "./work-format";
import type { getWorkSummary } from "@/server/services/annotator-work/work-summary";

type Summary = Awaited<ReturnType<typeof getWorkSummary>>;

function Figure({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{term}</dt>
      <dd className="text-sm font-medium text-slate-900">{value}</dd>
    </div>
  );
}

export function WorkSummary({ summary }: { summary: Summary }) {
  const t = useTranslations("Work");
  const format = useWorkFormat();
  const earnings = Object.entries(summary.totals.earningsByUnit);
  return (
    <>
      <Card title={t("totals")}>
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3">
          <Figure term={t("comparisons")} value={format.count(summary.totals.comparisons)} />
          <Figure term={t("timeWorked")} value={format.duration(summary.totals.timeSpentMs)} />
          <Figure
            term={t("earnings")}
            value={
              earnings.length === 0
                ? t("noRate")
                : earnings.map(([unit, amount]) => format.amount(amount, unit)).join(" + ")
            }
          />
        </dl>
      </Card>
      <Card
        title={t("byCampaign")}
        description={t("byCampaignDescription", { date: format.day(summary.qualityCountedBefore) })}
      >
        {summary.campaigns.length === 0 ? (
          <p className="text-sm text-slate-600">{t("noneYet")}</p>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label={t("byCampaignList")}>
            {summary.campaigns.map((campaign) => (
              <li key={campaign.campaignId} className="py-4">
                <h3 className="text-sm font-semibold text-slate-900">{campaign.campaignName}</h3>
                <dl className="mt-2 grid grid-cols-2 gap-3 sm:grid-cols-4">
                  <Figure term={t("comparisons")} value={format.count(campaign.comparisons)} />
                  <Figure
                    term={t("reviewCounts")}
                    value={[campaign.accepted, campaign.rejected, campaign.pendingReview]
                      .map(format.count)
                      .join(" · ")}
                  />
                  <Figure term={t("timeWorked")} value={format.duration(campaign.timeSpentMs)} />
                  <Figure
                    term={t("earnings")}
                    value={
                      campaign.earnings
                        ? t("earnedEach", {
                            amount: format.amount(campaign.earnings.amount, campaign.earnings.unit),
                            rate: format.amount(campaign.earnings.ratePerComparison, campaign.earnings.unit),
                          })
                        : t("rateNotSet")
                    }
                  />
                  <Figure
                    term={t("gold")}
                    value={format.shareOf(campaign.gold.accuracy, campaign.gold.rated)}
                  />
                  <Figure
                    term={t("agreement")}
                    value={format.shareOf(campaign.agreement.percentAgreement, campaign.agreement.items)}
                  />
                </dl>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
