import type { Metadata } from "next";
import { PageHeader } from "../../_components/ui";
import { MyFeedback } from "./my-feedback";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Feedback on my work" };

export default async function FeedbackPage() {
  await requireUser("/review/feedback");
  return (
    <>
      <PageHeader
        title="Feedback on my work"
        description="What reviewers decided about your comparisons, newest first. Rejected ones stay out of the training data."
      />
      <MyFeedback />
    </>
  );
}
