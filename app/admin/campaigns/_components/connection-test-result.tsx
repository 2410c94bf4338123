"use client";
// A connection test's steps, each with its time and its result or error (a saved variant's, or
// the variant form's values before saving).
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { cx } from "../../../_components/ui";

type TestResult = inferRouterOutputs<AppRouter>["variants"]["testConnection"];

export function ConnectionTestResult({ label, result }: { label: string; result: TestResult }) {
  return (
    <section
      aria-label={label}
      className={cx(
        "mt-3 rounded-md border p-3 text-sm",
        result.ok ? "border-emerald-200 bg-emerald-50" : "border-red-200 bg-red-50",
      )}
    >
      <p className="font-medium">{result.ok ? "Connection works" : "Connection failed"}</p>
      <ol className="mt-1 space-y-1">
        {result.steps.map((step) => (
          <li key={step.name}>
            <span aria-hidden>{step.ok ? "✓" : "✗"}</span> {step.name} ({step.ms} ms):{" "}
            <span className="break-all font-mono text-xs">{step.detail}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
