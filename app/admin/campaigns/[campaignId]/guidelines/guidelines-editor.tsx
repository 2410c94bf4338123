"use client";
// The guidelines editor: Markdown with a live preview. Saving makes a new version, which every
// annotator acknowledges before going on; earlier versions stay readable below.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Markdown } from "../../../../annotate/_components/markdown";
import { Alert, Button, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { TextAreaField } from "../../_components/fields";
import { useCampaignFormat } from "../../_components/use-campaign-format";
import { Pager } from "../../../../_components/pager";
import { GuidelineTranslations } from "./guideline-translations";

function useSaveGuidelines(campaignId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.campaigns.updateGuidelines.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.campaigns.overview.queryFilter({ campaignId })),
          queryClient.invalidateQueries(trpc.campaigns.guidelineVersions.queryFilter()),
        ]),
    }),
  );
}

export function GuidelinesEditor({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignGuidelines");
  const format = useCampaignFormat();
  const overview = useQuery(trpc.campaigns.overview.queryOptions({ campaignId }));
  const [page, setPage] = useState(1);
  const versions = useQuery(
    trpc.campaigns.guidelineVersions.queryOptions({ campaignId, page, pageSize: 10 }),
  );
  const save = useSaveGuidelines(campaignId);

  if (overview.error) return <Alert>{errorMessage(overview.error)}</Alert>;
  if (!overview.data) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  const { campaign, acknowledgedCurrentGuidelines } = overview.data;
  return (
    <div className="space-y-6">
      {/* Keyed by version: after a save the editor starts from the new text. */}
      <Editor
        key={campaign.guidelinesVersion}
        campaignId={campaignId}
        saved={campaign.guidelines}
        version={campaign.guidelinesVersion}
        acknowledged={acknowledgedCurrentGuidelines}
        save={save}
      />
      <GuidelineTranslations campaignId={campaignId} version={campaign.guidelinesVersion} />
      <Card title={t("earlier")}>
        <ul className="divide-y divide-slate-100">
          {versions.data?.items.map((version) => (
            <li key={version.version} className="py-2">
              <details>
                <summary className="cursor-pointer text-sm">
                  <span className="font-medium">{t("version", { version: version.version })}</span>{" "}
                  <span className="text-slate-600">
                    {t("versionMeta", { date: format.moment(version.createdAt) })}
                    {version.authorEmail ? t("author", { email: version.authorEmail }) : ""}
                    {t("acknowledgedBy", { count: version.acknowledgedBy })}
                  </span>
                </summary>
                <div className="mt-2 rounded-md border border-slate-200 p-3">
                  <Markdown text={version.guidelines || `*${t("empty")}*`} />
                </div>
              </details>
            </li>
          ))}
        </ul>
        {versions.data && (
          <Pager
            page={versions.data.page}
            pageCount={versions.data.pageCount}
            onPage={setPage}
            label={t("versionPages")}
          />
        )}
      </Card>
    </div>
  );
}

function Editor({
  campaignId,
  saved,
  version,
  acknowledged,
  save,
}: {
  campaignId: string;
  saved: string;
  version: number;
  acknowledged: number;
  save: ReturnType<typeof useSaveGuidelines>;
}) {
  const t = useTranslations("CampaignGuidelines");
  const [text, setText] = useState(saved);
  const isChanged = text !== saved;
  return (
    <Card title={t("title", { version })} description={t("acknowledged", { count: acknowledged })}>
      <div className="grid gap-4 lg:grid-cols-2">
        <TextAreaField
          id="guidelines-text"
          label={t("text")}
          rows={18}
          className="font-mono"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <section aria-label={t("preview")} className="rounded-md border border-slate-200 bg-slate-50 p-4">
          <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
            {t("preview")}
          </h3>
          {text.trim() ? <Markdown text={text} /> : <p className="text-sm text-slate-500">{t("nothing")}</p>}
        </section>
      </div>
      <div className="mt-4 flex items-center gap-3">
        <Button
          disabled={!isChanged || save.isPending}
          onClick={() => save.mutate({ campaignId, guidelines: text, baseVersion: version })}
        >
          {save.isPending ? t("saving") : t("save")}
        </Button>
        {isChanged && (
          <Button variant="secondary" onClick={() => setText(saved)}>
            {t("discard")}
          </Button>
        )}
      </div>
      {save.error && (
        <div className="mt-3">
          <Alert>{errorMessage(save.error)}</Alert>
        </div>
      )}
      {save.data?.changed && save.data.version === version && (
        <div className="mt-3">
          <Alert tone="success">{t("saved", { version: save.data.version })}</Alert>
        </div>
      )}
    </Card>
  );
}
