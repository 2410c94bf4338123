"use client";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { signOut } from "next-auth/react";
import { useState } from "react";
import { clearDrafts } from "../annotate/_components/drafts";
import { Button } from "./ui";

export function SignOutButton() {
  const t = useTranslations("Header");
  const router = useRouter();
  const [isPending, setIsPending] = useState(false);
  return (
    <Button
      variant="secondary"
      disabled={isPending}
      onClick={async () => {
        setIsPending(true);
        clearDrafts();
        await signOut({ redirect: false });
        router.replace("/sign-in?signedOut=1");
        router.refresh();
      }}
    >
      {isPending ? t("signingOut") : t("signOut")}
    </Button>
  );
}
