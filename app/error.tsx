"use client";
import { useTranslations } from "next-intl";
import { Button } from "./_components/ui";

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  const t = useTranslations("Errors");
  return (
    <div role="alert" className="mx-auto max-w-lg text-center">
      <h1 className="text-xl font-semibold">{t("title")}</h1>
      <p className="mt-2 text-sm text-slate-600">{t("text")}</p>
      <Button className="mt-4" onClick={reset}>
        {t("retry")}
      </Button>
    </div>
  );
}
