"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert, Button, TextField } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";

export function AcceptInvitationForm({
  token,
  email,
  initialName,
}: {
  token: string;
  email: string;
  initialName: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [mismatch, setMismatch] = useState(false);
  const accept = useMutation(
    trpc.invitations.accept.mutationOptions({
      onSuccess: () => router.push(`/sign-in?invited=1&email=${encodeURIComponent(email)}`),
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password") ?? "");
    if (password !== String(form.get("confirm") ?? "")) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    accept.mutate({ token, password, name: String(form.get("name") ?? "") });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {mismatch && <Alert>The two passwords are different. Type the same password in both fields.</Alert>}
      {accept.error && <Alert>{errorMessage(accept.error)}</Alert>}
      <TextField
        id="name"
        name="name"
        label="Your name"
        defaultValue={initialName}
        maxLength={100}
        autoComplete="name"
      />
      <TextField
        id="password"
        name="password"
        type="password"
        label="New password"
        hint="At least 10 characters."
        autoComplete="new-password"
        required
        maxLength={200}
      />
      <TextField
        id="confirm"
        name="confirm"
        type="password"
        label="Confirm password"
        autoComplete="new-password"
        required
        maxLength={200}
      />
      <Button type="submit" className="w-full" disabled={accept.isPending || accept.isSuccess}>
        {accept.isPending ? "Saving…" : "Set password"}
      </Button>
    </form>
  );
}
