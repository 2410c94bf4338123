import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { PageHeader } from "../../_components/ui";
import { ComparisonReview } from "./comparison-review";
import { requireUser } from "@/server/auth/current-user";
import { hasRole } from "@/server/auth/roles";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Review"))("comparisonTitle") };
}

export default async function ComparisonPage({ params }: { params: Promise<{ comparisonId: string }> }) {
  const { comparisonId } = await params;
  // Reviewers see any comparison; an annotator their own (the service checks).
  const user = await requireUser(`/review/${comparisonId}`);
  return (
    <>
      <PageHeader title={(await getTranslations("Review"))("comparisonTitle")} />
      <Suspense>
        {/* A fresh review form for each comparison ("& next" moves between them). */}
        <ComparisonReview
          key={comparisonId}
          comparisonId={comparisonId}
          viewerId={user.id}
          canReview={hasRole(user.role, "reviewer")}
          canMarkGold={hasRole(user.role, "admin")}
        />
      </Suspense>
    </>
  );
}
