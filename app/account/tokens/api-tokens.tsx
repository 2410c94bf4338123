"use client";
// API tokens: a form to create one (its secret shown once), and the list with scope, campaign,
// expiry, last use and a revoke button. People see their own tokens; the admin page shows every
// token and creates service tokens.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { API_TOKEN_MAX_DAYS, type ApiTokenScope } from "@/lib/constants";
import { Pager } from "../../_components/pager";
import { Alert, Button, Card, SelectField, TextField } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";

const SCOPE_LABELS: Record<ApiTokenScope, string> = {
  read: "Read: list and read campaigns, comparisons, figures and exports",
  annotate: "Annotate: read, and accept or reject comparisons (reviewers)",
  admin: "Admin: read, and change campaigns, variants, batches and members",
};

function formatDate(value: Date | null) {
  return value ? value.toISOString().slice(0, 16).replace("T", " ") + " UTC" : "never";
}

function NewSecret({ secret }: { secret: string }) {
  return (
    <div className="space-y-2">
      <Alert tone="success">
        Copy this token now: it is shown only once. Send it as <code>Authorization: Bearer …</code> to
        /api/v1.
      </Alert>
      <input
        readOnly
        aria-label="New API token"
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
  const trpc = useTRPC();
  const procedure = kind === "service" ? trpc.apiTokens.createService : trpc.apiTokens.createPersonal;
  const create = useMutation(procedure.mutationOptions({ onSuccess: onCreated }));

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

  const title = kind === "service" ? "Create a service token" : "Create a personal token";
  return (
    <Card
      title={title}
      description={
        kind === "service"
          ? "For a pipeline: it acts with your account's rights, within its scope, and every admin can see and revoke it."
          : "For your own scripts: it acts as you, within its scope."
      }
    >
      <form onSubmit={onSubmit} className="grid gap-4 sm:grid-cols-2 sm:items-end" noValidate>
        <TextField id={`${kind}-token-name`} name="name" label="Name" required maxLength={100} />
        <SelectField id={`${kind}-token-scope`} name="scope" label="Scope" defaultValue="read">
          {scopes.map((scope) => (
            <option key={scope} value={scope}>
              {SCOPE_LABELS[scope]}
            </option>
          ))}
        </SelectField>
        <SelectField id={`${kind}-token-campaign`} name="campaignId" label="Campaign" defaultValue="">
          <option value="">Every campaign</option>
          {campaigns.map((campaign) => (
            <option key={campaign.id} value={campaign.id}>
              {campaign.name}
            </option>
          ))}
        </SelectField>
        <TextField
          id={`${kind}-token-days`}
          name="expiresInDays"
          label="Expires after (days)"
          type="number"
          min={1}
          max={API_TOKEN_MAX_DAYS}
          defaultValue={90}
        />
        <div>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create token"}
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
  const trpc = useTRPC();
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
      <Card title={isAdminPage ? "Every token" : "Your tokens"}>
        {(list.error ?? revoke.error) && <Alert>{errorMessage(list.error ?? revoke.error!)}</Alert>}
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">API tokens</caption>
            <thead>
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pr-4">
                  Name
                </th>
                {isAdminPage && (
                  <th scope="col" className="py-2 pr-4">
                    Owner
                  </th>
                )}
                <th scope="col" className="py-2 pr-4">
                  Scope
                </th>
                <th scope="col" className="py-2 pr-4">
                  Campaign
                </th>
                <th scope="col" className="py-2 pr-4">
                  Expires
                </th>
                <th scope="col" className="py-2 pr-4">
                  Last used
                </th>
                <th scope="col" className="py-2 pr-4">
                  Status
                </th>
                <th scope="col" className="py-2 text-right">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.data?.items.length === 0 && (
                <tr>
                  <td colSpan={8} className="py-6 text-center text-slate-500">
                    No tokens yet.
                  </td>
                </tr>
              )}
              {list.data?.items.map((token) => (
                <tr key={token.id}>
                  <td className="py-2 pr-4">
                    <span className="font-medium text-slate-900">{token.name}</span>{" "}
                    <code className="text-xs text-slate-500">{token.prefix}…</code>
                    {token.kind === "service" && (
                      <span className="ml-1 text-xs text-slate-500">(service)</span>
                    )}
                  </td>
                  {isAdminPage && <td className="py-2 pr-4 text-slate-700">{token.ownerEmail}</td>}
                  <td className="py-2 pr-4 text-slate-700">{token.scope}</td>
                  <td className="py-2 pr-4 text-slate-700">{token.campaignName ?? "Every campaign"}</td>
                  <td className="py-2 pr-4 text-slate-700">{formatDate(token.expiresAt)}</td>
                  <td className="py-2 pr-4 text-slate-700">{formatDate(token.lastUsedAt)}</td>
                  <td className="py-2 pr-4 text-slate-700">{token.status}</td>
                  <td className="py-2 text-right">
                    {token.status === "active" && (
                      <Button
                        variant="danger"
                        disabled={revoke.isPending}
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => revoke.mutate({ tokenId: token.id })}
                      >
                        Revoke
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
