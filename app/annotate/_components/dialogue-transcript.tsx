// A dialogue as the raters see it: the earlier turns (user message, chosen assistant reply) and
// the user message the responses answer. Used by the pair-rating task and the review page.
import { useTranslations } from "next-intl";
import { Markdown } from "./markdown";

export interface TranscriptTurn {
  userMessage: string;
  assistantMessage: string | null;
}

export function DialogueTranscript({
  history,
  userMessage,
}: {
  history: TranscriptTurn[];
  userMessage: string;
}) {
  const t = useTranslations("Transcript");
  return (
    <ol className="space-y-3 text-sm">
      {history.map((turn, index) => (
        <li key={index} className="space-y-1">
          <p className="rounded-md bg-slate-100 p-2">
            <span className="font-medium">{t("user")}</span> {turn.userMessage}
          </p>
          {turn.assistantMessage && (
            <div className="rounded-md border border-slate-200 p-2">
              <span className="font-medium">{t("assistant")}</span> <Markdown text={turn.assistantMessage} />
            </div>
          )}
        </li>
      ))}
      <li className="rounded-md bg-indigo-50 p-2">
        <span className="font-medium">{t("user")}</span> {userMessage}
      </li>
    </ol>
  );
}
