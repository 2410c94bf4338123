import type { Metadata } from "next";
import { Alert, Card } from "../../_components/ui";
import { StartStudy } from "./start-study";
import { getServerCaller } from "@/server/api/server-caller";
import { INVALID_LINK_MESSAGE } from "@/server/services/crowd/admit-participant";
import { isMturkPreview, PLATFORM_NAMES, readParticipantQuery } from "@/lib/crowd-platforms";

export const metadata: Metadata = { title: "Study" };

/** A crowd platform's study link: what the study is, then a password-less start. */
export default async function StudyLinkPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ token }, query] = await Promise.all([params, searchParams]);
  const caller = await getServerCaller();
  const study = await caller.crowd.link({ token }).catch(() => null);
  if (!study) {
    return (
      <div className="mx-auto mt-8 max-w-xl">
        <Alert>{INVALID_LINK_MESSAGE}</Alert>
      </div>
    );
  }
  const platform = PLATFORM_NAMES[study.platform];
  const visit = readParticipantQuery(study.platform, query);
  const isPreview = isMturkPreview(study.platform, query);
  return (
    <div className="mx-auto mt-8 max-w-xl space-y-4">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{study.name}</h1>
      <Card title="What you will do">
        <div className="space-y-2 text-sm text-slate-700">
          {study.description && <p className="whitespace-pre-line">{study.description}</p>}
          <p>
            You will write prompts to an AI assistant and compare its answers: {study.requiredComparisons}{" "}
            {study.requiredComparisons === 1 ? "comparison" : "comparisons"}
            {study.comprehensionQuestions > 0 ? ", after a short comprehension check" : ""}. At the end you
            get the completion code for {platform}.
          </p>
        </div>
      </Card>
      {isPreview ? (
        <Alert tone="info">This is a preview. Accept the HIT to start the task.</Alert>
      ) : visit ? (
        <StartStudy token={token} visit={visit} />
      ) : (
        <Alert>
          The link is missing your {platform} participant id. Open the study again from {platform}.
        </Alert>
      )}
    </div>
  );
}
