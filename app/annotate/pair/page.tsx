import type { Metadata } from "next";
import { PageHeader } from "../../_components/ui";
import { PairCampaigns } from "./pair-campaigns";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Rate pairs" };

export default async function RatePairsPage() {
  await requireUser("/annotate/pair");
  return (
    <>
      <PageHeader
        title="Rate pairs"
        description="Dialogues other annotators wrote: read the conversation and say which response is better, and how much."
      />
      <PairCampaigns />
    </>
  );
}
