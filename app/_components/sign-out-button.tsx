"use client";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { clearDrafts } from "../annotate/_components/drafts";
import { signOutOfSession } from "../_lib/sign-out";
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
        try {
          await signOutOfSession();
        } catch {
          // The server could not be reached: stay signed in, with the button usable again.
          setIsPending(false);
          return;
        }
        router.replace("/sign-in?signedOut=1");
        router.refresh();
      }}
    >
      {isPending ? t("signingOut") : t("signOut")}
    </Button>
  );
}
