"use client";
// A connection test's steps, each with its time and its result or error (a saved variant's, or
// the variant form's values before saving).
import type { inferRouterOutputs } from "@trpc/server";
import { useTranslations } from "next-intl";
import type { AppRouter } from "@/server/api/root";
import { cx } from "../../../_components/ui";

type TestResult = inferRouterOutputs<AppRouter>["variants"]["testConnection"];

/** The steps' message keys (the service names them in English; their details stay as it writes them). */
const STEP_KEYS = {
  "Find the endpoint": "findEndpoint",
  "List models": "listModels",
  Generate: "generate",
} as const satisfies Record<TestResult["steps"][number]["name"], string>;

export function ConnectionTestResult({ label, result }: { label: string; result: TestResult }) {
  const t = useTranslations("CampaignConnectionTest");
  return (
    <section
      aria-label={label}
      className={cx(
        "mt-3 rounded-md border p-3 text-sm",
        result.ok ? "border-emerald-200 bg-emerald-50" : "border-red-200 bg-red-50",
      )}
    >
      <p className="font-medium">{result.ok ? t("works") : t("failed")}</p>
      <ol className="mt-1 space-y-1">
        {result.steps.map((step) => (
          <li key={step.name}>
            <span aria-hidden>{step.ok ? "✓" : "✗"}</span>{" "}
            {t("step", { name: t(`steps.${STEP_KEYS[step.name]}`), ms: step.ms })}{" "}
            <span className="break-all font-mono text-xs">{step.detail}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
