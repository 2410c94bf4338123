"use client";
// A prompt from the campaign's prompt set, offered when a new dialogue starts: claimed for this
// annotator on the server (so it reaches only as many annotators as the campaign asks) and sent
// as it is. When the set replaces own prompts, it is the only way to start.
import { useMutation } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import type { SetPrompt } from "@/server/services/prompt-sets/serve-prompts";
import { Alert, Button } from "../../_components/ui";
import { useTRPC } from "../../_lib/trpc";

/** The set prompt held for a new dialogue while `isWanted`; null when the sets have none for them. */
export function useSetPromptOffer(campaignId: string, isWanted: boolean): SetPrompt | null {
  const trpc = useTRPC();
  const { mutate, reset, data } = useMutation(trpc.promptSets.next.mutationOptions());
  useEffect(() => {
    if (isWanted) mutate({ campaignId });
    else reset();
  }, [isWanted, campaignId, mutate, reset]);
  return isWanted ? (data ?? null) : null;
}

export function SetPromptOffer({
  offer,
  isSending,
  error,
  onSend,
}: {
  offer: SetPrompt;
  isSending: boolean;
  /** Why the last send failed; shown here when the prompt box (which shows it otherwise) is hidden. */
  error: string | null;
  onSend: () => void;
}) {
  const t = useTranslations("SetPrompt");
  return (
    <section
      aria-labelledby="set-prompt-heading"
      className="space-y-3 rounded-lg border border-indigo-200 bg-indigo-50 p-4"
    >
      <h2 id="set-prompt-heading" className="text-sm font-semibold text-indigo-950">
        {t("heading", { name: offer.setName })}
      </h2>
      {offer.systemPrompt && (
        <p className="text-sm text-slate-700">
          <span className="font-semibold">{t("systemInstruction")}</span> {offer.systemPrompt}
        </p>
      )}
      <p className="whitespace-pre-wrap text-sm text-slate-900">{offer.prompt}</p>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="button" disabled={isSending} onClick={onSend}>
          {isSending ? t("sending") : t("send")}
        </Button>
        {!offer.replacesOwnPrompts && <span className="text-sm text-slate-600">{t("orOwn")}</span>}
      </div>
      {offer.replacesOwnPrompts && error && <Alert>{error}</Alert>}
    </section>
  );
}
