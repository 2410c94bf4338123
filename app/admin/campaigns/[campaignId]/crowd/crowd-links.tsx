"use client";
// The Crowd links tab: study links for Prolific and MTurk (each with its comprehension check,
// number of comparisons and completion code), and the participants, downloadable for payment.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { CROWD_PLATFORMS, type CrowdPlatform } from "@/lib/constants";
import { PLATFORM_NAMES } from "@/lib/crowd-platforms";
import { Alert, Button, Card, SelectField, TextField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
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
    if ("error" in parsed) {
      setFormError(parsed.error);
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
    <Card
      title="Create a study link"
      description="Participants who open the link are signed in without a password, take the comprehension check, do the comparisons and get the completion code."
    >
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <SelectField id="crowd-platform" name="platform" label="Platform" defaultValue="prolific">
          {CROWD_PLATFORMS.map((platform) => (
            <option key={platform} value={platform}>
              {PLATFORM_NAMES[platform]}
            </option>
          ))}
        </SelectField>
        <TextField id="crowd-name" name="name" label="Study name" required maxLength={200} />
        <TextAreaField
          id="crowd-description"
          name="description"
          label="Task description"
          hint="Shown before the study starts (and as MTurk's preview)."
          rows={3}
          maxLength={5000}
        />
        <TextField
          id="crowd-required"
          name="requiredComparisons"
          type="number"
          label="Comparisons per participant"
          min={1}
          max={1000}
          defaultValue={10}
        />
        <TextField
          id="crowd-code"
          name="completionCode"
          label="Completion code"
          hint="The code the platform expects (Prolific shows it on the study page)."
          required
          maxLength={64}
        />
        <TextAreaField
          id="crowd-questions"
          name="questions"
          label="Comprehension questions"
          hint='One question per block, blank lines between blocks: the question, then its options one a line, "* " before the right one and "- " before the others.'
          rows={6}
        />
        <TextField
          id="crowd-attempts"
          name="comprehensionAttempts"
          type="number"
          label="Attempts at the check"
          min={1}
          max={10}
          defaultValue={2}
        />
        {formError && <Alert>{formError}</Alert>}
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create link"}
        </Button>
      </form>
      <div className="mt-4 space-y-2">
        {create.error && <Alert>{errorMessage(create.error)}</Alert>}
        {create.data && create.variables && (
          <Alert tone="success">
            Link created. It is shown only now; give it to {PLATFORM_NAMES[create.variables.platform]}:{" "}
            <code aria-label="Study link" className="break-all font-mono">
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
    <Card title="Participants" description="Comparisons and time worked per participant, for payment.">
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      {list.data && (
        <div className="space-y-3 text-sm text-slate-700">
          <p>
            {list.data.participants.length} participants
            {list.data.isTruncated ? " (the first ones only)" : ""}.
          </p>
          <Button variant="secondary" disabled={list.data.participants.length === 0} onClick={download}>
            Download CSV
          </Button>
        </div>
      )}
    </Card>
  );
}

export function CrowdLinks({ campaignId }: { campaignId: string }) {
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
            {PLATFORM_NAMES[link.platform]} · {link.requiredComparisons} comparisons ·{" "}
            {link.comprehensionQuestions.length} questions, {link.comprehensionAttempts} attempts · link{" "}
            <code className="font-mono">{link.tokenPrefix}…</code> · {link.participants.participants}{" "}
            participants, {link.participants.completed} completed, {link.participants.failed} failed the check
            {link.revokedAt && " · revoked"}
          </p>
          {!link.revokedAt && (
            <Button
              className="mt-3"
              variant="danger"
              disabled={revoke.isPending}
              onClick={() => {
                if (window.confirm(`Revoke "${link.name}"? Nobody new can start through it.`))
                  revoke.mutate({ linkId: link.id });
              }}
            >
              Revoke
            </Button>
          )}
        </Card>
      ))}
      <Participants campaignId={campaignId} />
    </div>
  );
}
