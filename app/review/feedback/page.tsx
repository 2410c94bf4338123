import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "../../_components/ui";
import { MyFeedback } from "./my-feedback";
import { requireUser } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Feedback"))("title") };
}

export default async function FeedbackPage() {
  await requireUser("/review/feedback");
  const t = await getTranslations("Feedback");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <MyFeedback />
    </>
  );
}
