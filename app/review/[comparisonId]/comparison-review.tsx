"use client";
// One comparison as its reviewer (or its annotator) sees it: the dialogue, the responses in
// the annotator's order with their choice, strength and safety labels, and the review history;
// reviewers accept or reject it ("& next" goes on to the next pending one of the queue it was
// opened from), admins can make it a gold pair.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { DialogueTranscript } from "../../annotate/_components/dialogue-transcript";
import { Markdown } from "../../annotate/_components/markdown";
import { Alert, Button, Card, cx } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useUtc } from "../../_lib/use-utc";
import { useWorkFormat } from "../../account/work/work-format";
import { TextAreaField } from "../../admin/campaigns/_components/fields";
import { useLabels } from "../../annotate/_components/use-labels";
import { queueFilterOf } from "../queue-filter";
import { ModelAssistPanel } from "./model-assist-panel";
import { useResponseLabel } from "./response-label";

export function ComparisonReview({
  comparisonId,
  viewerId,
  canReview,
  canMarkGold,
}: {
  comparisonId: string;
  viewerId: string;
  canReview: boolean;
  canMarkGold: boolean;
}) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("Review");
  const labels = useLabels();
  const responseLabel = useResponseLabel();
  const utc = useUtc();
  const { duration } = useWorkFormat();
  const queryClient = useQueryClient();
  const detail = useQuery(trpc.review.comparison.queryOptions({ comparisonId }));
  const refresh = () => queryClient.invalidateQueries(trpc.review.comparison.queryFilter({ comparisonId }));
  const router = useRouter();
  const searchParams = useSearchParams();
  const from = searchParams.get("from") ?? "";
  const queueHref = from ? `/review?${from}` : "/review";
  const [goOn, setGoOn] = useState(false);
  const decide = useMutation(
    trpc.review.decide.mutationOptions({
      onSuccess: async () => {
        setComment("");
        // Every queue page shown before holds this comparison as it was.
        await queryClient.invalidateQueries(trpc.review.queue.queryFilter());
        if (!goOn) return refresh();
        // The next pending comparison of the same queue; this one has just left it.
        const filter = queueFilterOf(new URLSearchParams(from));
        const next = await queryClient.fetchQuery({
          ...trpc.review.queue.queryOptions({
            campaignId: filter.campaignId,
            annotatorId: filter.annotatorId,
            status: "pending",
            order: filter.order,
            page: 1,
            pageSize: 2,
          }),
          // Never a cached page: it may still hold the comparison just decided.
          staleTime: 0,
        });
        const nextId = next.items.find((item) => item.id !== comparisonId)?.id;
        router.push(nextId ? `/review/${nextId}?from=${encodeURIComponent(from)}` : queueHref);
      },
    }),
  );
  const markGold = useMutation(trpc.quality.markGold.mutationOptions({ onSuccess: refresh }));
  const [comment, setComment] = useState("");
  /** Records the decision; with `thenNext`, opens the next pending comparison of the queue. */
  const decideThen = (decision: "accepted" | "rejected", thenNext: boolean) => {
    if (decide.isPending) return;
    setGoOn(thenNext);
    decide.mutate({ comparisonId, decision, comment: comment || undefined });
  };
  const canDecide = canReview && detail.data !== undefined && detail.data.annotatorId !== viewerId;
  // Keyboard: A accepts and goes on, R rejects and goes on (outside the comment box).
  useEffect(() => {
    if (!canDecide) return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.ctrlKey || event.metaKey || event.altKey || target?.closest("input, textarea, select"))
        return;
      if (event.key === "a") decideThen("accepted", true);
      if (event.key === "r") decideThen("rejected", true);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  if (detail.error) return <Alert>{errorMessage(detail.error)}</Alert>;
  if (!detail.data) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  const comparison = detail.data;
  const isOwn = comparison.annotatorId === viewerId;
  return (
    <div className="space-y-6">
      {canReview && (
        <Link href={queueHref} className="text-sm text-indigo-700 hover:underline">
          {t("backArrow")}
        </Link>
      )}
      <Card>
        <dl className="grid gap-3 text-sm sm:grid-cols-4">
          <div>
            <dt className="text-xs uppercase tracking-wide text-slate-500">{t("campaign")}</dt>
            <dd>{comparison.campaign.name}</dd>
          </div>
          <div>
            <dt className="text-xs uppercase tracking-wide text-slate-500">{t("annotator")}</dt>
            <dd>{comparison.annotatorEmail}</dd>
          </div>
          <div>
            <dt className="text-xs uppercase tracking-wide text-slate-500">{t("batch")}</dt>
            <dd>{comparison.batchNumber}</dd>
          </div>
          <div>
            <dt className="text-xs uppercase tracking-wide text-slate-500">{t("review")}</dt>
            <dd>
              <span
                className={cx(
                  "rounded-full px-2 py-0.5 text-xs font-medium",
                  comparison.reviewStatus === "rejected" && "bg-red-50 text-red-700",
                  comparison.reviewStatus === "accepted" && "bg-emerald-50 text-emerald-700",
                  comparison.reviewStatus === "pending" && "bg-slate-100 text-slate-700",
                )}
              >
                {t(`decision.${comparison.reviewStatus}`)}
              </span>
              {comparison.isGold && (
                <span className="ms-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800">{t("gold")}</span>
              )}
            </dd>
          </div>
        </dl>
      </Card>

      <Card title={t("dialogue")}>
        {comparison.systemPrompt && (
          <p className="mb-3 text-xs text-slate-500">
            {t("systemPrompt", { prompt: comparison.systemPrompt })}
          </p>
        )}
        {comparison.riskCategory && (
          <p className="mb-3 text-xs text-slate-500">
            {t("riskAndVector", {
              risk: labels.risk(comparison.riskCategory),
              vector: comparison.attackVector ? labels.vector(comparison.attackVector) : "—",
            })}
          </p>
        )}
        <DialogueTranscript history={comparison.history} userMessage={comparison.userMessage} />
      </Card>

      <div className="grid gap-4 md:grid-cols-2">
        {comparison.responses.map((response) => (
          <section
            key={response.id}
            aria-label={responseLabel(response.label)}
            className={cx(
              "rounded-lg border bg-white p-4 shadow-sm",
              response.isChosen ? "border-indigo-400" : "border-slate-200",
            )}
          >
            <h3 className="mb-2 flex flex-wrap items-center gap-2 text-sm font-semibold">
              {responseLabel(response.label)}
              {response.isChosen && (
                <span className="rounded bg-indigo-100 px-1.5 text-xs text-indigo-800">{t("chosen")}</span>
              )}
              {response.rank !== null && response.rank > 0 && comparison.responses.length > 2 && (
                <span className="text-xs text-slate-500">{t("rank", { rank: response.rank + 1 })}</span>
              )}
              {response.isSafe !== null && (
                <span
                  className={cx(
                    "rounded px-1.5 text-xs",
                    response.isSafe ? "bg-emerald-50 text-emerald-700" : "bg-red-50 text-red-700",
                  )}
                >
                  {response.isSafe ? t("safe") : t("unsafe")}
                </span>
              )}
              {response.variant && (
                <span className="text-xs font-normal text-slate-500">{response.variant}</span>
              )}
            </h3>
            <Markdown text={response.text} />
          </section>
        ))}
      </div>

      <Card title={t("judgement")}>
        <p className="text-sm">
          {labels.strength(comparison.strength)}
          {comparison.safetyBin && ` · ${t(`safetyBin.${comparison.safetyBin}`)}`}
          {` · ${duration(comparison.timeSpentMs)}`}
        </p>
        {comparison.note && (
          <p className="mt-2 text-sm text-slate-700">{t("note", { note: comparison.note })}</p>
        )}
      </Card>

      {canReview && <ModelAssistPanel comparisonId={comparisonId} />}

      {canReview && !isOwn && (
        <Card title={t("yourReview")}>
          <TextAreaField
            id="review-comment"
            label={t("comment")}
            rows={3}
            maxLength={2000}
            value={comment}
            onChange={(event) => setComment(event.target.value)}
          />
          <div className="mt-3 flex flex-wrap items-center gap-2">
            <Button
              disabled={decide.isPending}
              aria-keyshortcuts="A"
              onClick={() => decideThen("accepted", true)}
            >
              {t("acceptNext")}
            </Button>
            <Button
              variant="danger"
              disabled={decide.isPending}
              aria-keyshortcuts="R"
              onClick={() => decideThen("rejected", true)}
            >
              {t("rejectNext")}
            </Button>
            <Button
              variant="secondary"
              disabled={decide.isPending}
              onClick={() => decideThen("accepted", false)}
            >
              {t("accept")}
            </Button>
            <Button
              variant="secondary"
              disabled={decide.isPending}
              onClick={() => decideThen("rejected", false)}
            >
              {t("reject")}
            </Button>
            {canMarkGold && !comparison.isGold && comparison.source === "primary" && (
              <Button
                variant="secondary"
                disabled={markGold.isPending}
                onClick={() => markGold.mutate({ comparisonId })}
              >
                {t("markGold")}
              </Button>
            )}
          </div>
          {(decide.error ?? markGold.error) && (
            <div className="mt-3">
              <Alert>{errorMessage(decide.error ?? markGold.error)}</Alert>
            </div>
          )}
          <p className="mt-2 text-xs text-slate-500">
            {t.rich("keys", { kbd: (chunks) => <kbd>{chunks}</kbd> })}
          </p>
          {decide.isSuccess && !goOn && (
            <div className="mt-3">
              <Alert tone="success">
                {t("saved")}{" "}
                <Link href={queueHref} className="font-semibold underline">
                  {t("back")}
                </Link>
              </Alert>
            </div>
          )}
        </Card>
      )}

      <Card title={t("history")}>
        {comparison.reviews.length === 0 ? (
          <p className="text-sm text-slate-500">{t("noReviews")}</p>
        ) : (
          <ul className="space-y-2 text-sm">
            {comparison.reviews.map((review) => (
              <li key={review.id}>
                {t.rich("decidedBy", {
                  decision: t(`decision.${review.decision}`),
                  reviewer: review.reviewerEmail ?? t("aReviewer"),
                  date: utc(review.createdAt),
                  strong: (chunks) => <span className="font-medium">{chunks}</span>,
                })}
                {review.comment && (
                  <p className="mt-1 rounded-md bg-slate-50 p-2 text-slate-700">{review.comment}</p>
                )}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
