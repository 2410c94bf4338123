"use client";
// The Prompt sets tab: import fixed prompts (a file, or a Hugging Face dataset folder) that
// annotators are served instead of or beside their own, and follow each set's progress. The
// files go to the HTTP API's import route, whose body limit fits them (tRPC's does not).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Alert, Button, Card, SelectField, TextField } from "../../../../_components/ui";
import { problemMessage } from "../../../../_lib/problem";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { useCampaignFormat } from "../../_components/use-campaign-format";

const POLL_MS = 5000;

const FORMATS = ["jsonl", "csv", "parquet", "huggingface"] as const;

async function toBase64(file: File) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

function ImportPromptSet({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignPromptSets");
  const queryClient = useQueryClient();
  const [format, setFormat] = useState<(typeof FORMATS)[number]>("jsonl");
  const [isPending, setIsPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [imported, setImported] = useState<string | null>(null);
  const isFolder = format === "huggingface";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const files = form
      .getAll("files")
      .filter((file): file is File => file instanceof File && file.name !== "");
    setError(null);
    setImported(null);
    if (files.length === 0) return setError(isFolder ? t("chooseFolder") : t("chooseFile"));
    setIsPending(true);
    try {
      const response = await fetch(`/api/v1/campaigns/${campaignId}/prompt-sets`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: String(form.get("name") ?? ""),
          format,
          annotatorsPerPrompt: Number(form.get("annotatorsPerPrompt")),
          replacesOwnPrompts: form.get("replacesOwnPrompts") === "on",
          files: await Promise.all(
            files.map(async (file) => ({
              name: file.webkitRelativePath || file.name,
              contentBase64: await toBase64(file),
            })),
          ),
        }),
      });
      if (!response.ok) return setError(await problemMessage(response));
      const set = (await response.json()) as { name: string; itemCount: number };
      setImported(t("imported", { name: set.name, count: set.itemCount }));
      formElement.reset();
      await queryClient.invalidateQueries(trpc.promptSets.list.queryFilter());
    } catch {
      setError(t("unreachable"));
    } finally {
      setIsPending(false);
    }
  }

  return (
    <Card title={t("import")} description={t("importHint")}>
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <TextField id="prompt-set-name" name="name" label={t("name")} required maxLength={100} />
        <SelectField
          id="prompt-set-format"
          label={t("format")}
          value={format}
          onChange={(event) => setFormat(event.target.value as typeof format)}
        >
          {FORMATS.map((option) => (
            <option key={option} value={option}>
              {t(`formats.${option}`)}
            </option>
          ))}
        </SelectField>
        <div>
          <label htmlFor="prompt-set-files" className="block text-sm font-medium text-slate-700">
            {isFolder ? t("folder") : t("file")}
          </label>
          <input
            key={format}
            id="prompt-set-files"
            name="files"
            type="file"
            multiple={isFolder}
            accept={isFolder ? undefined : format === "jsonl" ? ".jsonl,.json" : `.${format}`}
            {...(isFolder ? { webkitdirectory: "" } : {})}
            className="mt-1 block text-sm text-slate-700"
          />
          {isFolder && <p className="mt-1 text-xs text-slate-500">{t("folderHint")}</p>}
        </div>
        <TextField
          id="prompt-set-annotators"
          name="annotatorsPerPrompt"
          type="number"
          label={t("annotatorsPerPrompt")}
          hint={t("annotatorsPerPromptHint")}
          min={1}
          max={20}
          defaultValue={1}
        />
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="replacesOwnPrompts" className="rounded border-slate-300" />
          {t("replaces")}
        </label>
        <Button type="submit" disabled={isPending}>
          {isPending ? t("importing") : t("submit")}
        </Button>
        {error && <Alert>{error}</Alert>}
        {imported && <Alert tone="success">{imported}</Alert>}
      </form>
    </Card>
  );
}

export function PromptSets({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignPromptSets");
  const format = useCampaignFormat();
  const list = useQuery({ ...trpc.promptSets.list.queryOptions({ campaignId }), refetchInterval: POLL_MS });
  return (
    <div className="space-y-6">
      <ImportPromptSet campaignId={campaignId} />
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      {list.data?.length === 0 && <p className="text-sm text-slate-600">{t("none")}</p>}
      {list.data && list.data.length > 0 && (
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="pb-2 text-start text-sm font-semibold text-slate-800">{t("caption")}</caption>
          <thead>
            <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pe-4">
                {t("name")}
              </th>
              <th scope="col" className="py-2 pe-4 text-end">
                {t("prompts")}
              </th>
              <th scope="col" className="py-2 pe-4 text-end">
                {t("annotatorsEach")}
              </th>
              <th scope="col" className="py-2 pe-4 text-end">
                {t("served")}
              </th>
              <th scope="col" className="py-2 pe-4 text-end">
                {t("inProgress")}
              </th>
              <th scope="col" className="py-2">
                {t("ownPrompts")}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {list.data.map((set) => (
              <tr key={set.id}>
                <td className="py-2 pe-4 font-medium text-slate-900">
                  {set.name} <span className="text-xs text-slate-500">({set.format})</span>
                </td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.count(set.prompts)}</td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.count(set.annotatorsPerPrompt)}</td>
                <td className="py-2 pe-4 text-end tabular-nums">
                  {t("servedOf", {
                    served: set.served,
                    servings: set.servings,
                    // Rounded down: 100% only once every serving is done.
                    share: format.percent(Math.floor((100 * set.served) / Math.max(1, set.servings)) / 100),
                  })}
                </td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.count(set.inProgress)}</td>
                <td className="py-2">{set.replacesOwnPrompts ? t("notWhileSet") : t("allowedBeside")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
