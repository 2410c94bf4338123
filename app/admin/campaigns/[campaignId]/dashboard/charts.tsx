"use client";
// The dashboard's charts (recharts). Each sits in a named figure so people using assistive
// technology, and tests, can find it; the numbers are also in the tables beside them.
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { STRENGTHS, type SafetyBin, type Strength } from "@/lib/constants";
import { useCampaignFormat } from "../../_components/use-campaign-format";

const SOURCE_COLORS = { primary: "#4f46e5", overlap: "#0ea5e9", gold: "#f59e0b" };
// Darkest for "significantly better", as in the Llama 2 paper's Figure 25.
const STRENGTH_COLORS: Record<Strength, string> = {
  significantly_better: "#312e81",
  better: "#4f46e5",
  slightly_better: "#818cf8",
  negligibly_better: "#c7d2fe",
};
const BIN_COLORS: Record<SafetyBin, string> = {
  only_chosen_safe: "#10b981",
  both_safe: "#0ea5e9",
  both_unsafe: "#f97316",
  chosen_unsafe_other_safe: "#dc2626",
};

export function Figure({
  title,
  description,
  children,
}: {
  title: string;
  description?: string;
  children: ReactNode;
}) {
  return (
    <figure aria-label={title} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <figcaption className="mb-3">
        <span className="block text-sm font-semibold text-slate-900">{title}</span>
        {description && <span className="block text-xs text-slate-500">{description}</span>}
      </figcaption>
      <div className="h-64">{children}</div>
    </figure>
  );
}

export function PerDayChart({
  data,
}: {
  data: { day: string; primary: number; overlap: number; gold: number }[];
}) {
  const t = useTranslations("CampaignCharts");
  return (
    <Figure title={t("perDay")} description={t("perDayHint")}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar
            dataKey="primary"
            name={t("primary")}
            stackId="day"
            fill={SOURCE_COLORS.primary}
            isAnimationActive={false}
          />
          <Bar
            dataKey="overlap"
            name={t("overlap")}
            stackId="day"
            fill={SOURCE_COLORS.overlap}
            isAnimationActive={false}
          />
          <Bar
            dataKey="gold"
            name={t("gold")}
            stackId="day"
            fill={SOURCE_COLORS.gold}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}

export function PerBatchChart({
  data,
}: {
  data: { label: string; comparisons: number; pairRatings: number }[];
}) {
  const t = useTranslations("CampaignCharts");
  return (
    <Figure title={t("perBatch")}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar
            dataKey="comparisons"
            name={t("primary")}
            fill={SOURCE_COLORS.primary}
            isAnimationActive={false}
          />
          <Bar
            dataKey="pairRatings"
            name={t("secondRatings")}
            fill={SOURCE_COLORS.overlap}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}

export function StrengthChart({
  data,
}: {
  data: { label: string; strengthShares: Record<Strength, number> }[];
}) {
  const t = useTranslations("CampaignCharts");
  const format = useCampaignFormat();
  const rows = data.map((batch) => ({ label: batch.label, ...batch.strengthShares }));
  return (
    <Figure title={t("strength")} description={t("strengthHint")}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} stackOffset="expand">
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} />
          <YAxis tickFormatter={(value: number) => format.percent(value)} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(value) => format.percent(Number(value), 1)} />
          <Legend />
          {STRENGTHS.map((strength) => (
            <Bar
              key={strength}
              dataKey={strength}
              name={format.strength(strength)}
              stackId="strength"
              fill={STRENGTH_COLORS[strength]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}

export function SafetyBinChart({ data }: { data: { bin: SafetyBin; comparisons: number; share: number }[] }) {
  const t = useTranslations("CampaignCharts");
  const rows = data
    .filter((entry) => entry.comparisons > 0)
    .map((entry) => ({ ...entry, name: t(`bins.${entry.bin}`) }));
  return (
    <Figure title={t("safetyBins")} description={t("safetyBinsHint")}>
      <ResponsiveContainer width="100%" height="100%">
        <PieChart>
          <Pie data={rows} dataKey="comparisons" nameKey="name" outerRadius="75%" isAnimationActive={false}>
            {rows.map((entry) => (
              <Cell key={entry.bin} fill={BIN_COLORS[entry.bin]} />
            ))}
          </Pie>
          <Tooltip />
          <Legend />
        </PieChart>
      </ResponsiveContainer>
    </Figure>
  );
}

export function MedianTimeChart({ data }: { data: { label: string; medianTimeMs: number | null }[] }) {
  const t = useTranslations("CampaignCharts");
  const format = useCampaignFormat();
  const rows = data.map((batch) => ({
    label: batch.label,
    seconds: batch.medianTimeMs === null ? null : batch.medianTimeMs / 1000,
  }));
  return (
    <Figure title={t("medianTime")} description={t("medianTimeHint")}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} />
          <Tooltip formatter={(value) => format.seconds(Number(value) * 1000)} />
          <Bar dataKey="seconds" name={t("medianTimeSeries")} fill="#64748b" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Figure>
  );
}
