"use client";
// Starts a participant's session through the study link (no password) and opens their study.
import { useRouter } from "next/navigation";
import { getSession, signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState, useSyncExternalStore } from "react";
import { Alert, Button } from "../../_components/ui";
import { clearDrafts } from "../../annotate/_components/drafts";
import type { ParticipantVisit } from "@/lib/crowd-platforms";

const subscribeToNothing = () => () => {};

export function StartStudy({ token, visit }: { token: string; visit: ParticipantVisit }) {
  const t = useTranslations("ParticipateLink");
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [isPending, setIsPending] = useState(false);

  async function start() {
    setIsPending(true);
    setError(null);
    try {
      const result = await signIn("crowd-link", {
        token,
        participantId: visit.participantId,
        studyId: visit.studyId ?? "",
        sessionId: visit.sessionId ?? "",
        submitTo: visit.submitTo ?? "",
        redirect: false,
      });
      if (!result || result.error) {
        // The sign-in's refusal is the server's own sentence (next-auth passes on no name for it).
        setError(result?.error ?? t("couldNotStart"));
        setIsPending(false);
        return;
      }
      clearDrafts((await getSession())?.user.id ?? null);
      router.replace("/participate");
      router.refresh();
    } catch {
      setError(t("offline"));
      setIsPending(false);
    }
  }

  // A page framed by MTurk cannot keep a session (browsers drop cookies set in another site's
  // frame), so there the study opens in its own tab.
  const isFramed = useSyncExternalStore(
    subscribeToNothing,
    () => window.self !== window.top,
    () => false,
  );
  return (
    <div className="space-y-3">
      {error && <Alert>{error}</Alert>}
      {isFramed ? (
        <a
          href={window.location.href}
          target="_blank"
          rel="noopener"
          className="inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white"
        >
          {t("openInNewTab")}
        </a>
      ) : (
        <Button type="button" onClick={() => void start()} disabled={isPending}>
          {isPending ? t("starting") : t("start")}
        </Button>
      )}
    </div>
  );
}
