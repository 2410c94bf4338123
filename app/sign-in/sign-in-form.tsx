"use client";
import { useRouter } from "next/navigation";
import { getSession, signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Alert, Button, TextField } from "../_components/ui";
import { clearDrafts } from "../annotate/_components/drafts";

export function SignInForm({ callbackUrl, initialEmail }: { callbackUrl: string; initialEmail: string }) {
  const t = useTranslations("SignIn");
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [isPending, setIsPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setIsPending(true);
    setError(null);
    try {
      const result = await signIn("credentials", {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        redirect: false,
      });
      if (!result || result.error) {
        setError(!result || result.error === "CredentialsSignin" ? t("wrongCredentials") : result.error);
        setIsPending(false);
        return;
      }
      // Someone who did not sign out left their drafts here: the person signing in now keeps only their own.
      clearDrafts((await getSession())?.user.id ?? null);
      router.replace(callbackUrl);
      router.refresh();
    } catch {
      setError(t("unreachable"));
      setIsPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {error && <Alert>{error}</Alert>}
      <TextField
        id="email"
        name="email"
        type="email"
        label={t("email")}
        autoComplete="username"
        defaultValue={initialEmail}
        required
        maxLength={254}
      />
      <TextField
        id="password"
        name="password"
        type="password"
        label={t("password")}
        autoComplete="current-password"
        required
        maxLength={200}
      />
      <Button type="submit" className="w-full" disabled={isPending}>
        {isPending ? t("submitting") : t("submit")}
      </Button>
    </form>
  );
}
