import Link from "next/link";
import { useTranslations } from "next-intl";

export default function NotFound() {
  const t = useTranslations("Errors");
  return (
    <div className="mx-auto max-w-lg text-center">
      <h1 className="text-xl font-semibold">{t("notFound")}</h1>
      <p className="mt-2 text-sm text-slate-600">{t("notFoundText")}</p>
      <Link href="/" className="mt-4 inline-block text-sm font-semibold text-indigo-700 hover:underline">
        {t("start")}
      </Link>
    </div>
  );
}
