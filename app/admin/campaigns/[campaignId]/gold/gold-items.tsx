"use client";
// Gold pairs: import them as JSONL, see how often annotators met them and got them right.
// (Mark a collected comparison as gold from its review page.)
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { TextAreaField } from "../../_components/fields";
import { STRENGTH_LABELS } from "@/lib/constants";
import { percent } from "../../_components/labels";
import { Pager } from "../../../../_components/pager";

const EXAMPLE = `{"prompt": "What is the capital of Australia?", "chosen": "Canberra.", "rejected": "Sydney.", "strength": "significantly_better", "explanation": "Sydney is the largest city, not the capital."}`;

export function GoldItems({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
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
      <Card
        title="Import gold pairs"
        description="One JSON object per line, in TRL's preference format; a prompt may be a list of messages. Annotators meet gold pairs blind among their 'rate this pair' tasks."
      >
        <p className="mb-2 font-mono text-xs break-all text-slate-600">{EXAMPLE}</p>
        <div className="mb-3">
          <label htmlFor="gold-file" className="block text-sm font-medium text-slate-700">
            JSONL file
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
          label="Or paste the lines"
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
            {importGold.isPending ? "Importing…" : "Import gold pairs"}
          </Button>
        </div>
        {importGold.error && (
          <div className="mt-3">
            <Alert>{errorMessage(importGold.error)}</Alert>
          </div>
        )}
        {importGold.data && (
          <div className="mt-3">
            <Alert tone="success">Imported {importGold.data.imported} gold pairs.</Alert>
          </div>
        )}
      </Card>
      <Card title="Gold pairs">
        {items.error && <Alert>{errorMessage(items.error)}</Alert>}
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Gold pairs</caption>
            <thead>
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pr-4">
                  Prompt
                </th>
                <th scope="col" className="py-2 pr-4">
                  Expected strength
                </th>
                <th scope="col" className="py-2 pr-4">
                  From
                </th>
                <th scope="col" className="py-2 pr-4 text-right">
                  Ratings
                </th>
                <th scope="col" className="py-2 text-right">
                  Correct
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.data?.items.length === 0 && (
                <tr>
                  <td colSpan={5} className="py-6 text-center text-slate-500">
                    No gold pairs yet. Import some, or mark a comparison as gold from its review page.
                  </td>
                </tr>
              )}
              {items.data?.items.map((item) => (
                <tr key={item.id}>
                  <td className="max-w-md truncate py-2 pr-4" title={item.userMessage}>
                    {item.userMessage}
                  </td>
                  <td className="py-2 pr-4">
                    {item.expectedStrength ? STRENGTH_LABELS[item.expectedStrength] : "Choice only"}
                  </td>
                  <td className="py-2 pr-4 text-slate-600">
                    {item.sourceComparisonId ? "A comparison" : "Import"}
                  </td>
                  <td className="py-2 pr-4 text-right tabular-nums">{item.ratings}</td>
                  <td className="py-2 text-right tabular-nums">
                    {item.ratings ? percent(item.correct / item.ratings) : "—"}
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
