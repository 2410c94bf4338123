"use client";
// API tokens: a form to create one (its secret shown once), and the list with scope, campaign,
// expiry, last use and a revoke button. People see their own tokens; the admin page shows every
// token and creates service tokens.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { API_TOKEN_MAX_DAYS, type ApiTokenScope } from "@/lib/constants";
import { Pager } from "../../_components/pager";
import { Alert, Button, Card, SelectField, TextField } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useUtc } from "../../_lib/use-utc";

function NewSecret({ secret }: { secret: string }) {
  const t = useTranslations("ApiTokens");
  return (
    <div className="space-y-2">
      <Alert tone="success">{t.rich("copyNow", { code: (chunks) => <code>{chunks}</code> })}</Alert>
      <input
        readOnly
        aria-label={t("newToken")}
        value={secret}
        onFocus={(event) => event.currentTarget.select()}
        className="block w-full rounded-md border-0 bg-slate-50 px-3 py-2 font-mono text-xs ring-1 ring-inset ring-slate-300"
      />
    </div>
  );
}

function CreateTokenForm({
  kind,
  scopes,
  campaigns,
  onCreated,
}: {
  kind: "personal" | "service";
  scopes: readonly ApiTokenScope[];
  campaigns: { id: string; name: string }[];
  onCreated: () => void;
}) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const procedure = kind === "service" ? trpc.apiTokens.createService : trpc.apiTokens.createPersonal;
  const create = useMutation(procedure.mutationOptions({ onSuccess: onCreated }));
  const t = useTranslations("ApiTokens");

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      name: String(form.get("name") ?? ""),
      scope: String(form.get("scope")) as ApiTokenScope,
      campaignId: String(form.get("campaignId") ?? "") || null,
      expiresInDays: Number(form.get("expiresInDays")),
    });
  }

  return (
    <Card title={t(`create.${kind}`)} description={t(`createText.${kind}`)}>
      <form onSubmit={onSubmit} className="grid gap-4 sm:grid-cols-2 sm:items-end" noValidate>
        <TextField id={`${kind}-token-name`} name="name" label={t("name")} required maxLength={100} />
        <SelectField id={`${kind}-token-scope`} name="scope" label={t("scope")} defaultValue="read">
          {scopes.map((scope) => (
            <option key={scope} value={scope}>
              {t(`scopeLabel.${scope}`)}
            </option>
          ))}
        </SelectField>
        <SelectField id={`${kind}-token-campaign`} name="campaignId" label={t("campaign")} defaultValue="">
          <option value="">{t("everyCampaign")}</option>
          {campaigns.map((campaign) => (
            <option key={campaign.id} value={campaign.id}>
              {campaign.name}
            </option>
          ))}
        </SelectField>
        <TextField
          id={`${kind}-token-days`}
          name="expiresInDays"
          label={t("expiresAfter")}
          type="number"
          min={1}
          max={API_TOKEN_MAX_DAYS}
          defaultValue={90}
        />
        <div>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? t("creating") : t("submit")}
          </Button>
        </div>
      </form>
      <div className="mt-4 space-y-2">
        {create.error && <Alert>{errorMessage(create.error)}</Alert>}
        {create.data && <NewSecret secret={create.data.secret} />}
      </div>
    </Card>
  );
}

export function ApiTokens({
  isAdminPage,
  scopes,
}: {
  isAdminPage: boolean;
  scopes: readonly ApiTokenScope[];
}) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("ApiTokens");
  const utc = useUtc();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const listProcedure = isAdminPage ? trpc.apiTokens.listAll : trpc.apiTokens.listMine;
  const list = useQuery(listProcedure.queryOptions({ page, pageSize: 25 }));
  // Only admins may list campaigns; others make tokens for every campaign they can reach.
  const campaigns = useQuery({
    ...trpc.campaigns.list.queryOptions({ pageSize: 100 }),
    enabled: scopes.includes("admin"),
  });
  const refresh = async () => {
    await queryClient.cancelQueries(listProcedure.queryFilter());
    await queryClient.invalidateQueries(listProcedure.queryFilter());
  };
  const revoke = useMutation(trpc.apiTokens.revoke.mutationOptions({ onSettled: refresh }));
  const campaignOptions = campaigns.data?.items.map(({ id, name }) => ({ id, name })) ?? [];

  return (
    <div className="space-y-6">
      <CreateTokenForm
        kind={isAdminPage ? "service" : "personal"}
        scopes={scopes}
        campaigns={campaignOptions}
        onCreated={refresh}
      />
      <Card title={isAdminPage ? t("everyToken") : t("yourTokens")}>
        {(list.error ?? revoke.error) && <Alert>{errorMessage(list.error ?? revoke.error!)}</Alert>}
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">{t("caption")}</caption>
            <thead>
              <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pe-4">
                  {t("name")}
                </th>
                {isAdminPage && (
                  <th scope="col" className="py-2 pe-4">
                    {t("owner")}
                  </th>
                )}
                <th scope="col" className="py-2 pe-4">
                  {t("scope")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("campaign")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("expires")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("lastUsed")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("status")}
                </th>
                <th scope="col" className="py-2 text-end">
                  {t("actions")}
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.data?.items.length === 0 && (
                <tr>
                  <td colSpan={8} className="py-6 text-center text-slate-500">
                    {t("none")}
                  </td>
                </tr>
              )}
              {list.data?.items.map((token) => (
                <tr key={token.id}>
                  <td className="py-2 pe-4">
                    <span className="font-medium text-slate-900">{token.name}</span>{" "}
                    <code className="text-xs text-slate-500">{token.prefix}…</code>
                    {token.kind === "service" && (
                      <span className="ms-1 text-xs text-slate-500">{t("service")}</span>
                    )}
                  </td>
                  {isAdminPage && <td className="py-2 pe-4 text-slate-700">{token.ownerEmail}</td>}
                  <td className="py-2 pe-4 text-slate-700">{t(`scopeName.${token.scope}`)}</td>
                  <td className="py-2 pe-4 text-slate-700">{token.campaignName ?? t("everyCampaign")}</td>
                  <td className="py-2 pe-4 text-slate-700">{utc(token.expiresAt)}</td>
                  <td className="py-2 pe-4 text-slate-700">
                    {token.lastUsedAt ? utc(token.lastUsedAt) : t("never")}
                  </td>
                  <td className="py-2 pe-4 text-slate-700">{t(`tokenStatus.${token.status}`)}</td>
                  <td className="py-2 text-end">
                    {token.status === "active" && (
                      <Button
                        variant="danger"
                        disabled={revoke.isPending}
                        aria-label={t("revokeNamed", { name: token.name })}
                        onClick={() => revoke.mutate({ tokenId: token.id })}
                      >
                        {t("revoke")}
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {list.data && <Pager page={page} pageCount={list.data.pageCount} onPage={setPage} />}
      </Card>
    </div>
  );
}
