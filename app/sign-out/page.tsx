import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Card } from "../_components/ui";
import { SignOutButton } from "../_components/sign-out-button";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("SignOut"))("title") };
}

export default async function SignOutPage() {
  const t = await getTranslations("SignOut");
  return (
    <div className="mx-auto mt-8 max-w-sm">
      <Card title={t("heading")} description={t("text")}>
        <SignOutButton />
      </Card>
    </div>
  );
}
