"use client";
// Gold pairs: import them as JSONL, see how often annotators met them and got them right.
// (Mark a collected comparison as gold from its review page.)
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Alert, Button, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { TextAreaField } from "../../_components/fields";
import { useCampaignFormat } from "../../_components/use-campaign-format";
import { Pager } from "../../../../_components/pager";

const EXAMPLE = `{"prompt": "What is the capital of Australia?", "chosen": "Canberra.", "rejected": "Sydney.", "strength": "significantly_better", "explanation": "Sydney is the largest city, not the capital."}`;

export function GoldItems({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignGold");
  const format = useCampaignFormat();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [jsonl, setJsonl] = useState("");
  const items = useQuery(trpc.quality.goldItems.queryOptions({ campaignId, page, pageSize: 25 }));
  const importGold = useMutation(
    trpc.quality.importGold.mutationOptions({
      onSuccess: () => {
        setJsonl("");
        return queryClient.invalidateQueries(trpc.quality.goldItems.queryFilter());
      },
    }),
  );
  return (
    <div className="space-y-6">
      <Card title={t("import")} description={t("importHint")}>
        <p className="mb-2 font-mono text-xs break-all text-slate-600">{EXAMPLE}</p>
        <div className="mb-3">
          <label htmlFor="gold-file" className="block text-sm font-medium text-slate-700">
            {t("file")}
          </label>
          <input
            id="gold-file"
            type="file"
            accept=".jsonl,.json,.txt,application/jsonl"
            className="mt-1 text-sm"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (file) setJsonl(await file.text());
            }}
          />
        </div>
        <TextAreaField
          id="gold-jsonl"
          label={t("paste")}
          rows={6}
          className="font-mono text-xs"
          value={jsonl}
          onChange={(event) => setJsonl(event.target.value)}
        />
        <div className="mt-3">
          <Button
            disabled={!jsonl.trim() || importGold.isPending}
            onClick={() => importGold.mutate({ campaignId, jsonl })}
          >
            {importGold.isPending ? t("importing") : t("import")}
          </Button>
        </div>
        {importGold.error && (
          <div className="mt-3">
            <Alert>{errorMessage(importGold.error)}</Alert>
          </div>
        )}
        {importGold.data && (
          <div className="mt-3">
            <Alert tone="success">{t("imported", { count: importGold.data.imported })}</Alert>
          </div>
        )}
      </Card>
      <Card title={t("title")}>
        {items.error && <Alert>{errorMessage(items.error)}</Alert>}
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">{t("title")}</caption>
            <thead>
              <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pe-4">
                  {t("prompt")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("expected")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("from")}
                </th>
                <th scope="col" className="py-2 pe-4 text-end">
                  {t("ratings")}
                </th>
                <th scope="col" className="py-2 text-end">
                  {t("correct")}
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.data?.items.length === 0 && (
                <tr>
                  <td colSpan={5} className="py-6 text-center text-slate-500">
                    {t("empty")}
                  </td>
                </tr>
              )}
              {items.data?.items.map((item) => (
                <tr key={item.id}>
                  <td className="max-w-md truncate py-2 pe-4" title={item.userMessage}>
                    {item.userMessage}
                  </td>
                  <td className="py-2 pe-4">
                    {item.expectedStrength ? format.strength(item.expectedStrength) : t("choiceOnly")}
                  </td>
                  <td className="py-2 pe-4 text-slate-600">
                    {item.sourceComparisonId ? t("fromComparison") : t("fromImport")}
                  </td>
                  <td className="py-2 pe-4 text-end tabular-nums">{format.count(item.ratings)}</td>
                  <td className="py-2 text-end tabular-nums">
                    {item.ratings ? format.percent(item.correct / item.ratings) : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {items.data && <Pager page={items.data.page} pageCount={items.data.pageCount} onPage={setPage} />}
      </Card>
    </div>
  );
}
