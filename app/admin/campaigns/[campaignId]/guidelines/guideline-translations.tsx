"use client";
// The guidelines in the other interface languages. A translation belongs to the version it was
// saved with: after the English guidelines change, annotators read English until it is saved again.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { DEFAULT_LOCALE, directionOf, LOCALE_NAMES, LOCALES, type Locale } from "@/lib/locales";
import { Alert, Button, Card, SelectField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { TextAreaField } from "../../_components/fields";

const TRANSLATED = LOCALES.filter((locale) => locale !== DEFAULT_LOCALE);

export function GuidelineTranslations({ campaignId, version }: { campaignId: string; version: number }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignGuidelines");
  const queryClient = useQueryClient();
  const translations = useQuery(trpc.campaigns.guidelineTranslations.queryOptions({ campaignId }));
  const [locale, setLocale] = useState<Locale>(TRANSLATED[0]);
  const save = useMutation(
    trpc.campaigns.saveGuidelineTranslation.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.campaigns.guidelineTranslations.queryFilter()),
    }),
  );
  const current = translations.data?.find((translation) => translation.locale === locale);
  return (
    <Card title={t("translations")} description={t("translationsHint")}>
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          const guidelines = String(new FormData(event.currentTarget).get("translation") ?? "");
          save.mutate({ campaignId, locale: locale as Exclude<Locale, "en">, guidelines });
        }}
      >
        <div className="max-w-xs">
          <SelectField
            id="translation-locale"
            label={t("language")}
            value={locale}
            onChange={(event) => {
              setLocale(event.target.value as Locale);
              save.reset();
            }}
          >
            {TRANSLATED.map((value) => (
              <option key={value} value={value}>
                {LOCALE_NAMES[value]}
                {translations.data?.some(
                  (translation) => translation.locale === value && translation.isCurrent,
                )
                  ? ""
                  : t("englishShown")}
              </option>
            ))}
          </SelectField>
        </div>
        {current && !current.isCurrent && (
          <Alert tone="info">{t("outdated", { saved: current.version, version })}</Alert>
        )}
        {/* Keyed by language and saved text: switching language shows that language's text. */}
        <TextAreaField
          key={`${locale}-${current?.updatedAt.toISOString() ?? "none"}`}
          id="translation-text"
          name="translation"
          label={t("translationText", { language: LOCALE_NAMES[locale] })}
          rows={10}
          lang={locale}
          dir={directionOf(locale)}
          defaultValue={current?.guidelines ?? ""}
        />
        {save.error && <Alert>{errorMessage(save.error)}</Alert>}
        {save.isSuccess && <Alert tone="success">{t("translationSaved", { version })}</Alert>}
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? t("saving") : t("saveTranslation")}
        </Button>
      </form>
    </Card>
  );
}
