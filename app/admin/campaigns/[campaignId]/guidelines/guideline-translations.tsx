"use client";
// The guidelines in the other interface languages. A translation belongs to the version it was
// saved with: after the English guidelines change, annotators read English until it is saved again.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { DEFAULT_LOCALE, directionOf, LOCALE_NAMES, LOCALES, type Locale } from "@/lib/locales";
import { Alert, Button, Card, SelectField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { TextAreaField } from "../../_components/fields";

const TRANSLATED = LOCALES.filter((locale) => locale !== DEFAULT_LOCALE);

export function GuidelineTranslations({ campaignId, version }: { campaignId: string; version: number }) {
  const trpc = useTRPC();
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
    <Card
      title="Translations"
      description="Annotators whose interface is in one of these languages read its translation, while it was saved for the current version; otherwise they read the English guidelines above."
    >
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
            label="Language"
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
                  : " (English shown)"}
              </option>
            ))}
          </SelectField>
        </div>
        {current && !current.isCurrent && (
          <Alert tone="info">
            This translation was saved for version {current.version}; the guidelines are at version {version}.
            Annotators read English until you update and save it.
          </Alert>
        )}
        {/* Keyed by language and saved text: switching language shows that language's text. */}
        <TextAreaField
          key={`${locale}-${current?.updatedAt.toISOString() ?? "none"}`}
          id="translation-text"
          name="translation"
          label={`Guidelines in ${LOCALE_NAMES[locale]} (Markdown; empty removes the translation)`}
          rows={10}
          lang={locale}
          dir={directionOf(locale)}
          defaultValue={current?.guidelines ?? ""}
        />
        {save.error && <Alert>{errorMessage(save.error)}</Alert>}
        {save.isSuccess && <Alert tone="success">Saved for version {version}.</Alert>}
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save translation"}
        </Button>
      </form>
    </Card>
  );
}
