"use client";
// Setting the password of an invitation signs the person in and takes them to their work: an
// annotator with one open campaign straight into it, everyone else to their home page.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { getSession, signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Alert, Button, TextField } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { clearDrafts } from "../../annotate/_components/drafts";

export function AcceptInvitationForm({
  token,
  email,
  role,
  initialName,
}: {
  token: string;
  email: string;
  role: "admin" | "reviewer" | "annotator";
  initialName: string;
}) {
  const errorMessage = useErrorText();
  const t = useTranslations("Invite");
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [mismatch, setMismatch] = useState(false);
  const accept = useMutation(trpc.invitations.accept.mutationOptions());

  /** Signs in with the new password and opens the place to start; the sign-in page if that fails. */
  async function startWork(password: string) {
    const signInPage = `/sign-in?invited=1&email=${encodeURIComponent(email)}`;
    const result = await signIn("credentials", { email, password, redirect: false }).catch(() => null);
    if (!result || result.error) return router.push(signInPage);
    clearDrafts((await getSession())?.user.id ?? null);
    const campaigns = await queryClient
      .fetchQuery(trpc.annotation.campaigns.queryOptions({ page: 1, pageSize: 2 }))
      .catch(() => null);
    const open = campaigns?.items.filter((campaign) => campaign.status === "active") ?? [];
    router.replace(role === "annotator" && open.length === 1 ? `/annotate/${open[0].id}` : "/");
    router.refresh();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password") ?? "");
    if (password !== String(form.get("confirm") ?? "")) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    accept.mutate(
      { token, password, name: String(form.get("name") ?? "") },
      { onSuccess: () => startWork(password) },
    );
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {mismatch && <Alert>{t("mismatch")}</Alert>}
      {accept.error && <Alert>{errorMessage(accept.error)}</Alert>}
      <TextField
        id="name"
        name="name"
        label={t("name")}
        defaultValue={initialName}
        maxLength={100}
        autoComplete="name"
      />
      <TextField
        id="password"
        name="password"
        type="password"
        label={t("newPassword")}
        hint={t("hint")}
        autoComplete="new-password"
        required
        maxLength={200}
      />
      <TextField
        id="confirm"
        name="confirm"
        type="password"
        label={t("confirm")}
        autoComplete="new-password"
        required
        maxLength={200}
      />
      <Button type="submit" className="w-full" disabled={accept.isPending || accept.isSuccess}>
        {accept.isPending ? t("saving") : accept.isSuccess ? t("signingIn") : t("submit")}
      </Button>
    </form>
  );
}
