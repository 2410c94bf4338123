import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Alert, Card } from "../../_components/ui";
import { StartStudy } from "./start-study";
import { getServerCaller } from "@/server/api/server-caller";
import { isMturkPreview, PLATFORM_NAMES, readParticipantQuery } from "@/lib/crowd-platforms";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("ParticipateLink"))("title") };
}

/** A crowd platform's study link: what the study is, then a password-less start. */
export default async function StudyLinkPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ token }, query] = await Promise.all([params, searchParams]);
  const t = await getTranslations("ParticipateLink");
  const caller = await getServerCaller();
  const study = await caller.crowd.link({ token }).catch(() => null);
  if (!study) {
    return (
      <div className="mx-auto mt-8 max-w-xl">
        <Alert>{t("invalidLink")}</Alert>
      </div>
    );
  }
  const platform = PLATFORM_NAMES[study.platform];
  const visit = readParticipantQuery(study.platform, query);
  const isPreview = isMturkPreview(study.platform, query);
  return (
    <div className="mx-auto mt-8 max-w-xl space-y-4">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{study.name}</h1>
      <Card title={t("whatYouWillDo")}>
        <div className="space-y-2 text-sm text-slate-700">
          {study.description && <p className="whitespace-pre-line">{study.description}</p>}
          <p>
            {t("summary", {
              count: study.requiredComparisons,
              check: study.comprehensionQuestions > 0 ? "yes" : "no",
              platform,
            })}
          </p>
        </div>
      </Card>
      {isPreview ? (
        <Alert tone="info">{t("preview")}</Alert>
      ) : visit ? (
        <StartStudy token={token} visit={visit} />
      ) : (
        <Alert>{t("missingParticipant", { platform })}</Alert>
      )}
    </div>
  );
}
