import type { Metadata } from "next";
import { Suspense } from "react";
import { Forbidden } from "../_components/forbidden";
import { PageHeader } from "../_components/ui";
import { ReviewQueue } from "./review-queue";
import { requireRole } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Review" };

export default async function ReviewPage() {
  const { user, isAllowed } = await requireRole("reviewer", "/review");
  if (!isAllowed) return <Forbidden required="reviewer" actual={user.role} />;
  return (
    <>
      <PageHeader
        title="Review"
        description="Check comparisons and accept or reject each one with a comment; rejected ones stay out of exports, and the annotator sees your comment."
      />
      <Suspense>
        <ReviewQueue />
      </Suspense>
    </>
  );
}
