import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { Forbidden } from "../_components/forbidden";
import { PageHeader } from "../_components/ui";
import { ReviewQueue } from "./review-queue";
import { requireRole } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Review"))("title") };
}

export default async function ReviewPage() {
  const { user, isAllowed } = await requireRole("reviewer", "/review");
  if (!isAllowed) return <Forbidden required="reviewer" actual={user.role} />;
  const t = await getTranslations("Review");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <Suspense>
        <ReviewQueue />
      </Suspense>
    </>
  );
}
