"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Card } from "../../../_components/ui";
import { useTRPC } from "../../../_lib/trpc";
import { CampaignForm } from "../_components/campaign-form";
import { TextAreaField } from "../_components/fields";

export function NewCampaign() {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(
    trpc.campaigns.create.mutationOptions({
      onSuccess: (campaign) => router.push(`/admin/campaigns/${campaign.id}`),
    }),
  );
  return (
    <Card>
      <CampaignForm
        submitLabel="Create campaign"
        pending={create.isPending || create.isSuccess}
        error={create.error}
        onSubmit={(values, form) =>
          create.mutate({ ...values, guidelines: String(form.get("guidelines") ?? "") })
        }
      >
        <TextAreaField
          id="campaign-guidelines"
          name="guidelines"
          label="Guidelines (Markdown, optional)"
          hint="Annotators read and acknowledge them; you can edit them later with a preview."
          rows={6}
        />
      </CampaignForm>
    </Card>
  );
}
