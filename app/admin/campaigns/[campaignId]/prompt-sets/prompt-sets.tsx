"use client";
// The Prompt sets tab: import fixed prompts (a file, or a Hugging Face dataset folder) that
// annotators are served instead of or beside their own, and follow each set's progress. The
// files go to the HTTP API's import route, whose body limit fits them (tRPC's does not).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Alert, Button, Card, SelectField, TextField } from "../../../../_components/ui";
import { problemMessage } from "../../../../_lib/problem";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";

const POLL_MS = 5000;

const FORMATS = [
  { value: "jsonl", label: "JSONL (one JSON object a line)" },
  { value: "csv", label: "CSV with a header row" },
  { value: "parquet", label: "Parquet" },
  { value: "huggingface", label: "Hugging Face dataset folder" },
] as const;

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
  const queryClient = useQueryClient();
  const [format, setFormat] = useState<(typeof FORMATS)[number]["value"]>("jsonl");
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
    if (files.length === 0) return setError(isFolder ? "Choose the dataset's folder." : "Choose a file.");
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
      setImported(`Imported "${set.name}": ${set.itemCount.toLocaleString("en-US")} prompts.`);
      formElement.reset();
      await queryClient.invalidateQueries(trpc.promptSets.list.queryFilter());
    } catch {
      setError("Arbiter could not be reached. Check your connection and try again.");
    } finally {
      setIsPending(false);
    }
  }

  return (
    <Card
      title="Import a prompt set"
      description="Columns are found by name: prompt (or instruction + input, question, text, or chat messages), system, category and reference_answer. Up to 20 MB and 50,000 prompts."
    >
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <TextField id="prompt-set-name" name="name" label="Name" required maxLength={100} />
        <SelectField
          id="prompt-set-format"
          label="Format"
          value={format}
          onChange={(event) => setFormat(event.target.value as typeof format)}
        >
          {FORMATS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </SelectField>
        <div>
          <label htmlFor="prompt-set-files" className="block text-sm font-medium text-slate-700">
            {isFolder ? "Dataset folder" : "File"}
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
          {isFolder && (
            <p className="mt-1 text-xs text-slate-500">
              Its data files (.parquet, .jsonl, .json, .csv) are read; the train split only when it has one.
            </p>
          )}
        </div>
        <TextField
          id="prompt-set-annotators"
          name="annotatorsPerPrompt"
          type="number"
          label="Annotators per prompt"
          hint="How many different annotators each prompt is served to."
          min={1}
          max={20}
          defaultValue={1}
        />
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="replacesOwnPrompts" className="rounded border-slate-300" />
          Annotators start dialogues only from this set while it has prompts for them
        </label>
        <Button type="submit" disabled={isPending}>
          {isPending ? "Importing…" : "Import prompt set"}
        </Button>
        {error && <Alert>{error}</Alert>}
        {imported && <Alert tone="success">{imported}</Alert>}
      </form>
    </Card>
  );
}

export function PromptSets({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.promptSets.list.queryOptions({ campaignId }), refetchInterval: POLL_MS });
  return (
    <div className="space-y-6">
      <ImportPromptSet campaignId={campaignId} />
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      {list.data?.length === 0 && (
        <p className="text-sm text-slate-600">This campaign has no prompt sets yet.</p>
      )}
      {list.data && list.data.length > 0 && (
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="pb-2 text-left text-sm font-semibold text-slate-800">Prompt sets</caption>
          <thead>
            <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pr-4">
                Name
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Prompts
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Annotators each
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Served
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                In progress
              </th>
              <th scope="col" className="py-2">
                Own prompts
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {list.data.map((set) => (
              <tr key={set.id}>
                <td className="py-2 pr-4 font-medium text-slate-900">
                  {set.name} <span className="text-xs text-slate-500">({set.format})</span>
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">{set.prompts.toLocaleString("en-US")}</td>
                <td className="py-2 pr-4 text-right tabular-nums">{set.annotatorsPerPrompt}</td>
                <td className="py-2 pr-4 text-right tabular-nums">
                  {set.served.toLocaleString("en-US")} of {set.servings.toLocaleString("en-US")} (
                  {Math.floor((100 * set.served) / Math.max(1, set.servings))}%)
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">
                  {set.inProgress.toLocaleString("en-US")}
                </td>
                <td className="py-2">
                  {set.replacesOwnPrompts ? "not while the set lasts" : "allowed beside it"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
