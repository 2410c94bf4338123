import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Alert, Card } from "../_components/ui";
import { safeCallbackUrl } from "../_lib/safe-redirect";
import { SignInForm } from "./sign-in-form";
import { getCurrentUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Sign in" };

// Only next-auth's own codes are shown from the URL, so a crafted link cannot put words on this page.
const URL_ERRORS: Record<string, string> = {
  CredentialsSignin: "Wrong email or password. Check both and try again.",
  SessionRequired: "Sign in to continue.",
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await getCurrentUser()) redirect(callbackUrl);

  const errorCode = typeof params.error === "string" ? params.error : null;
  const urlError = errorCode ? (URL_ERRORS[errorCode] ?? "Signing in did not work. Try again.") : null;
  const notice = params.invited
    ? "Your password is set. Sign in with it now."
    : params.signedOut
      ? "You are signed out."
      : null;
  const email = typeof params.email === "string" ? params.email.slice(0, 254) : "";

  return (
    <div className="mx-auto mt-8 max-w-sm">
      <h1 className="mb-6 text-center text-2xl font-semibold tracking-tight">Sign in to Arbiter</h1>
      <Card>
        <div className="space-y-4">
          {notice && <Alert tone="success">{notice}</Alert>}
          {urlError && <Alert>{urlError}</Alert>}
          <SignInForm callbackUrl={callbackUrl} initialEmail={email} />
        </div>
      </Card>
      <p className="mt-4 text-center text-xs text-slate-500">
        New here? Ask an admin for an invitation link.
      </p>
    </div>
  );
}
