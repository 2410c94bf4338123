import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { Alert, Card } from "../_components/ui";
import { safeCallbackUrl } from "../_lib/safe-redirect";
import { SignInForm } from "./sign-in-form";
import { SsoButton } from "./sso-button";
import { getCurrentUser } from "@/server/auth/current-user";
import { isPasswordSignInEnabled, SSO_PROVIDER_ID, ssoProvider } from "@/server/auth/options";
import { SSO_REFUSALS, type SsoRefusalCode } from "@/server/auth/sso-sign-in";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("SignIn"))("title") };
}

// Only next-auth's own codes are shown from the URL, so a crafted link cannot put words on this page.
const URL_ERROR_KEYS = { CredentialsSignin: "wrongCredentials", SessionRequired: "sessionRequired" } as const;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await getCurrentUser()) redirect(callbackUrl);
  const t = await getTranslations("SignIn");

  const errorCode = typeof params.error === "string" ? params.error : null;
  const urlError = !errorCode
    ? null
    : Object.hasOwn(URL_ERROR_KEYS, errorCode)
      ? t(URL_ERROR_KEYS[errorCode as keyof typeof URL_ERROR_KEYS])
      : Object.hasOwn(SSO_REFUSALS, errorCode)
        ? SSO_REFUSALS[errorCode as SsoRefusalCode]
        : t("failed");
  const notice = params.invited ? t("invited") : params.signedOut ? t("signedOut") : null;
  const email = typeof params.email === "string" ? params.email.slice(0, 254) : "";
  const sso = ssoProvider();
  const hasPassword = isPasswordSignInEnabled();

  return (
    <div className="mx-auto mt-8 max-w-sm">
      <h1 className="mb-6 text-center text-2xl font-semibold tracking-tight">{t("heading")}</h1>
      <Card>
        <div className="space-y-4">
          {notice && <Alert tone="success">{notice}</Alert>}
          {urlError && <Alert>{urlError}</Alert>}
          {sso && <SsoButton providerId={SSO_PROVIDER_ID} name={sso.name} callbackUrl={callbackUrl} />}
          {sso && hasPassword && <p className="text-center text-xs text-slate-500">{t("orPassword")}</p>}
          {hasPassword && <SignInForm callbackUrl={callbackUrl} initialEmail={email} />}
        </div>
      </Card>
      <p className="mt-4 text-center text-xs text-slate-500">{t("newHere")}</p>
    </div>
  );
}
