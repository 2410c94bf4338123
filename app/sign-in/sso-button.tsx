"use client";
// Sends the person to the operator's identity provider; next-auth brings them back signed in.
import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "../_components/ui";
import { clearDrafts } from "../annotate/_components/drafts";

export function SsoButton({
  providerId,
  name,
  callbackUrl,
}: {
  providerId: string;
  name: string;
  callbackUrl: string;
}) {
  const t = useTranslations("SignIn");
  const [isPending, setIsPending] = useState(false);
  return (
    <Button
      type="button"
      variant="secondary"
      className="w-full"
      disabled={isPending}
      onClick={() => {
        setIsPending(true);
        // The account is known only after the round trip: no one's drafts stay behind for it.
        clearDrafts();
        void signIn(providerId, { callbackUrl });
      }}
    >
      {/* Not "Sign in with …": the password form's button is "Sign in", and names must stay apart. */}
      {isPending ? t("redirecting") : t("continueWith", { name })}
    </Button>
  );
}
