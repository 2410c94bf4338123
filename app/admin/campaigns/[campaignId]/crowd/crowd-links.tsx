"use client";
// The Crowd links tab: study links for Prolific and MTurk (each with its comprehension check,
// number of comparisons and completion code), and the participants, downloadable for payment.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { CROWD_PLATFORMS, type CrowdPlatform } from "@/lib/constants";
import { PLATFORM_NAMES } from "@/lib/crowd-platforms";
import { Alert, Button, Card, SelectField, TextField } from "../../../../_components/ui";
import { useErrorText } from "../../../../_lib/error-text";
import { useTRPC } from "../../../../_lib/trpc";
import { TextAreaField } from "../../_components/fields";
import { parseComprehensionText } from "./comprehension-text";

/** The link to give the platform: Prolific fills its placeholders; MTurk appends its own query. */
function studyUrl(platform: CrowdPlatform, path: string) {
  const url = `${window.location.origin}${path}`;
  return platform === "prolific"
    ? `${url}?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}`
    : url;
}

function CreateLink({ campaignId }: { campaignId: string }) {
  const t = useTranslations("CampaignCrowdLinks");
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useMutation(
    trpc.crowd.createLink.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.crowd.links.queryFilter()),
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const parsed = parseComprehensionText(String(form.get("questions") ?? ""));
    if ("invalidQuestion" in parsed) {
      setFormError(t("invalidQuestion", { number: parsed.invalidQuestion }));
      return;
    }
    setFormError(null);
    create.mutate({
      campaignId,
      platform: String(form.get("platform")) as CrowdPlatform,
      name: String(form.get("name") ?? ""),
      description: String(form.get("description") ?? ""),
      requiredComparisons: Number(form.get("requiredComparisons")),
      completionCode: String(form.get("completionCode") ?? ""),
      comprehensionQuestions: parsed.questions,
      comprehensionAttempts: Number(form.get("comprehensionAttempts")),
    });
  }

  return (
    <Card title={t("createTitle")} description={t("createHint")}>
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <SelectField id="crowd-platform" name="platform" label={t("platform")} defaultValue="prolific">
          {CROWD_PLATFORMS.map((platform) => (
            <option key={platform} value={platform}>
              {PLATFORM_NAMES[platform]}
            </option>
          ))}
        </SelectField>
        <TextField id="crowd-name" name="name" label={t("name")} required maxLength={200} />
        <TextAreaField
          id="crowd-description"
          name="description"
          label={t("description")}
          hint={t("descriptionHint")}
          rows={3}
          maxLength={5000}
        />
        <TextField
          id="crowd-required"
          name="requiredComparisons"
          type="number"
          label={t("requiredComparisons")}
          min={1}
          max={1000}
          defaultValue={10}
        />
        <TextField
          id="crowd-code"
          name="completionCode"
          label={t("completionCode")}
          hint={t("completionCodeHint")}
          required
          maxLength={64}
        />
        <TextAreaField
          id="crowd-questions"
          name="questions"
          label={t("questions")}
          hint={t("questionsHint")}
          rows={6}
        />
        <TextField
          id="crowd-attempts"
          name="comprehensionAttempts"
          type="number"
          label={t("attempts")}
          min={1}
          max={10}
          defaultValue={2}
        />
        {formError && <Alert>{formError}</Alert>}
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? t("creating") : t("create")}
        </Button>
      </form>
      <div className="mt-4 space-y-2">
        {create.error && <Alert>{errorMessage(create.error)}</Alert>}
        {create.data && create.variables && (
          <Alert tone="success">
            {t("created", { platform: PLATFORM_NAMES[create.variables.platform] })}{" "}
            <code aria-label={t("studyLink")} className="break-all font-mono">
              {studyUrl(create.variables.platform, create.data.path)}
            </code>
          </Alert>
        )}
      </div>
    </Card>
  );
}

type ParticipantRow = Record<string, string | number | Date | null>;

/** RFC 4180: quote every field, double the quotes inside. */
function toCsv(rows: ParticipantRow[]) {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]);
  const cell = (value: ParticipantRow[string]) =>
    `"${(value instanceof Date ? value.toISOString() : String(value ?? "")).replace(/"/g, '""')}"`;
  return [columns.join(","), ...rows.map((row) => columns.map((column) => cell(row[column])).join(","))].join(
    "\r\n",
  );
}

function Participants({ campaignId }: { campaignId: string }) {
  const t = useTranslations("CampaignCrowdLinks");
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const list = useQuery(trpc.crowd.participants.queryOptions({ campaignId }));
  function download() {
    if (!list.data) return;
    const url = URL.createObjectURL(new Blob([toCsv(list.data.participants)], { type: "text/csv" }));
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = "participants.csv";
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    // Revoked later: the browser may still be reading it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  return (
    <Card title={t("participants")} description={t("participantsHint")}>
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      {list.data && (
        <div className="space-y-3 text-sm text-slate-700">
          <p>
            {t("participantCount", {
              count: list.data.participants.length,
              truncated: list.data.isTruncated ? "yes" : "no",
            })}
          </p>
          <Button variant="secondary" disabled={list.data.participants.length === 0} onClick={download}>
            {t("downloadCsv")}
          </Button>
        </div>
      )}
    </Card>
  );
}

export function CrowdLinks({ campaignId }: { campaignId: string }) {
  const t = useTranslations("CampaignCrowdLinks");
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const links = useQuery(trpc.crowd.links.queryOptions({ campaignId }));
  const revoke = useMutation(
    trpc.crowd.revokeLink.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.crowd.links.queryFilter()),
    }),
  );
  return (
    <div className="space-y-6">
      <CreateLink campaignId={campaignId} />
      {links.error && <Alert>{errorMessage(links.error)}</Alert>}
      {revoke.error && <Alert>{errorMessage(revoke.error)}</Alert>}
      {links.data?.map((link) => (
        <Card key={link.id} title={link.name}>
          <p className="text-sm text-slate-600">
            {t.rich("linkSummary", {
              platform: PLATFORM_NAMES[link.platform],
              comparisons: link.requiredComparisons,
              questions: link.comprehensionQuestions.length,
              attempts: link.comprehensionAttempts,
              prefix: link.tokenPrefix,
              participants: link.participants.participants,
              completed: link.participants.completed,
              failed: link.participants.failed,
              revoked: link.revokedAt ? "yes" : "no",
              code: (chunks) => <code className="font-mono">{chunks}</code>,
            })}
          </p>
          {!link.revokedAt && (
            <Button
              className="mt-3"
              variant="danger"
              disabled={revoke.isPending}
              onClick={() => {
                if (window.confirm(t("confirmRevoke", { name: link.name })))
                  revoke.mutate({ linkId: link.id });
              }}
            >
              {t("revoke")}
            </Button>
          )}
        </Card>
      ))}
      <Participants campaignId={campaignId} />
    </div>
  );
}
