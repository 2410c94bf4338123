// Shown in place of a page the user's role does not allow.
import Link from "next/link";
import { useTranslations } from "next-intl";
import type { Role } from "@/server/auth/roles";

export function Forbidden({ required, actual }: { required: Role; actual: Role }) {
  const t = useTranslations("Errors");
  // The same sentence as the server's refusal of a procedure (lib/server-errors.ts).
  const refusal = useTranslations("ServerErrors");
  return (
    <div className="mx-auto max-w-lg rounded-lg border border-amber-200 bg-amber-50 p-6">
      <h1 className="text-lg font-semibold text-amber-900">{t("forbidden")}</h1>
      <p className="mt-2 text-sm text-amber-800">{refusal("forbiddenRole", { required, actual })}</p>
      <Link href="/" className="mt-4 inline-block text-sm font-semibold text-indigo-700 hover:underline">
        {t("start")}
      </Link>
    </div>
  );
}
