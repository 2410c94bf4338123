"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { Card } from "../../../_components/ui";
import { useTRPC } from "../../../_lib/trpc";
import { CampaignForm } from "../_components/campaign-form";
import { TextAreaField } from "../_components/fields";

export function NewCampaign() {
  const trpc = useTRPC();
  const router = useRouter();
  const t = useTranslations("CampaignNew");
  const create = useMutation(
    trpc.campaigns.create.mutationOptions({
      onSuccess: (campaign) => router.push(`/admin/campaigns/${campaign.id}`),
    }),
  );
  return (
    <Card>
      <CampaignForm
        submitLabel={t("create")}
        pending={create.isPending || create.isSuccess}
        error={create.error}
        onSubmit={(values, form) =>
          create.mutate({ ...values, guidelines: String(form.get("guidelines") ?? "") })
        }
      >
        <TextAreaField
          id="campaign-guidelines"
          name="guidelines"
          label={t("guidelines")}
          hint={t("guidelinesHint")}
          rows={6}
        />
      </CampaignForm>
    </Card>
  );
}
