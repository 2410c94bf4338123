import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Alert } from "../_components/ui";
import { StudyProgress } from "./study-progress";
import { getServerCaller } from "@/server/api/server-caller";
import { requireUser } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("ParticipateStudy"))("title") };
}

/** A crowd participant's study: the comprehension check, then work, then the completion code. */
export default async function ParticipationPage() {
  await requireUser("/participate");
  const t = await getTranslations("ParticipateStudy");
  const caller = await getServerCaller();
  const participation = await caller.crowd.participation();
  return (
    <div className="mx-auto mt-8 max-w-xl space-y-4">
      {participation ? <StudyProgress initial={participation} /> : <Alert>{t("notAParticipant")}</Alert>}
    </div>
  );
}
