"use client";
// The users page: invite form, search, and the table with per-user actions.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Pager } from "../../_components/pager";
import { Alert, Button, Card, cx, SelectField, TextField } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";

const ROLES = ["annotator", "reviewer", "admin"] as const;
type RoleValue = (typeof ROLES)[number];

function RoleOptions() {
  const role = useTranslations("Header.role");
  return ROLES.map((value) => (
    <option key={value} value={value}>
      {role(value)}
    </option>
  ));
}

const STATUS_STYLES = {
  active: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  invited: "bg-sky-50 text-sky-700 ring-sky-200",
  deactivated: "bg-slate-100 text-slate-600 ring-slate-200",
};

function InvitationLink({ path, email }: { path: string; email: string }) {
  const url = typeof window === "undefined" ? path : `${window.location.origin}${path}`;
  const [copied, setCopied] = useState(false);
  const t = useTranslations("AdminUsers");
  return (
    <div className="space-y-2">
      <Alert tone="success">{t("sendLink", { email })}</Alert>
      <div className="flex gap-2">
        <input
          readOnly
          aria-label={t("invitationLink")}
          value={url}
          onFocus={(event) => event.currentTarget.select()}
          className="block w-full rounded-md border-0 bg-slate-50 px-3 py-2 font-mono text-xs ring-1 ring-inset ring-slate-300"
        />
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(url).catch(() => {});
            setCopied(true);
          }}
        >
          {copied ? t("copied") : t("copy")}
        </Button>
      </div>
    </div>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("AdminUsers");
  const invite = useMutation(trpc.users.invite.mutationOptions({ onSuccess: onInvited }));
  // The newest 100 campaigns that can take members (archived ones cannot).
  const campaigns = useQuery(trpc.campaigns.list.queryOptions({ page: 1, pageSize: 100 }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    invite.mutate(
      {
        email: String(form.get("email") ?? ""),
        name: String(form.get("name") ?? ""),
        role: String(form.get("role")) as RoleValue,
        campaignIds: form.getAll("campaignIds").map(String),
      },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <Card title={t("inviteTitle")} description={t("inviteText")}>
      <form
        onSubmit={onSubmit}
        className="grid gap-4 sm:grid-cols-[2fr_2fr_1fr_auto] sm:items-end"
        noValidate
      >
        <TextField id="invite-email" name="email" type="email" label={t("email")} required maxLength={254} />
        <TextField id="invite-name" name="name" label={t("nameOptional")} maxLength={100} />
        <SelectField id="invite-role" name="role" label={t("role")} defaultValue="annotator">
          <RoleOptions />
        </SelectField>
        <Button type="submit" disabled={invite.isPending}>
          {invite.isPending ? t("inviting") : t("invite")}
        </Button>
        {campaigns.data && campaigns.data.items.length > 0 && (
          <fieldset className="sm:col-span-4">
            <legend className="text-sm font-medium text-slate-700">{t("addToCampaigns")}</legend>
            <div className="mt-2 flex max-h-40 flex-wrap gap-x-4 gap-y-1 overflow-y-auto text-sm text-slate-700">
              {campaigns.data.items.map((campaign) => (
                <label key={campaign.id} className="flex items-center gap-2">
                  <input
                    type="checkbox"
                    name="campaignIds"
                    value={campaign.id}
                    className="rounded border-slate-300"
                  />
                  {campaign.name}
                </label>
              ))}
            </div>
          </fieldset>
        )}
      </form>
      <div className="mt-4 space-y-2">
        {invite.error && <Alert>{errorMessage(invite.error)}</Alert>}
        {invite.data && <InvitationLink path={invite.data.invitePath} email={invite.data.user.email} />}
      </div>
    </Card>
  );
}

export function UsersAdmin({ currentUserId }: { currentUserId: string }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("AdminUsers");
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState("");
  const [reissued, setReissued] = useState<{ path: string; email: string } | null>(null);

  const list = useQuery(trpc.users.list.queryOptions({ page, pageSize: 25, search: search || undefined }));
  // A change made while the list is still loading for the first time: invalidating alone would
  // join that load, which began before the change, so it is cancelled first.
  const refresh = async () => {
    await queryClient.cancelQueries(trpc.users.list.queryFilter());
    await queryClient.invalidateQueries(trpc.users.list.queryFilter());
  };
  const changeRole = useMutation(trpc.users.changeRole.mutationOptions({ onSettled: refresh }));
  const setActive = useMutation(trpc.users.setActive.mutationOptions({ onSettled: refresh }));
  const reissue = useMutation(trpc.users.reissueInvitation.mutationOptions());
  const actionError = changeRole.error ?? setActive.error ?? reissue.error;
  // A role decides what someone may see and do, so a change is confirmed and then reported.
  function confirmRoleChange(email: string, userId: string, role: RoleValue) {
    if (!window.confirm(t("confirmRole", { email, role }))) return;
    changeRole.mutate({ userId, role });
  }

  return (
    <div className="space-y-6">
      <InviteForm onInvited={refresh} />

      <Card>
        <div className="mb-4 flex flex-wrap items-end justify-between gap-4">
          <div className="w-full max-w-xs">
            <TextField
              id="user-search"
              label={t("search")}
              type="search"
              maxLength={254}
              value={search}
              onChange={(event) => {
                setSearch(event.target.value);
                setPage(1);
              }}
            />
          </div>
          {list.data && <p className="text-sm text-slate-600">{t("count", { count: list.data.total })}</p>}
        </div>
        <div className="space-y-2">
          {actionError && <Alert>{errorMessage(actionError)}</Alert>}
          {changeRole.isSuccess && !changeRole.isPending && (
            <Alert tone="success">
              {t("roleSaved", { email: changeRole.data.email, role: changeRole.data.role })}
            </Alert>
          )}
          {list.error && <Alert>{errorMessage(list.error)}</Alert>}
          {reissued && <InvitationLink path={reissued.path} email={reissued.email} />}
        </div>

        <div className="mt-4 overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">{t("caption")}</caption>
            <thead>
              <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pe-4">
                  {t("email")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("name")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("role")}
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
              {list.isPending && (
                <tr>
                  <td colSpan={5} className="py-6 text-center text-slate-500">
                    {t("loading")}
                  </td>
                </tr>
              )}
              {list.data?.items.length === 0 && (
                <tr>
                  <td colSpan={5} className="py-6 text-center text-slate-500">
                    {t("noMatch")}
                  </td>
                </tr>
              )}
              {list.data?.items.map((user) => {
                const isSelf = user.id === currentUserId;
                return (
                  <tr key={user.id}>
                    <td className="py-2 pe-4 font-medium text-slate-900">{user.email}</td>
                    <td className="py-2 pe-4 text-slate-700">{user.name}</td>
                    <td className="py-2 pe-4">
                      <select
                        aria-label={t("roleOf", { email: user.email })}
                        value={user.role}
                        disabled={isSelf || changeRole.isPending}
                        title={isSelf ? t("ownRole") : undefined}
                        onChange={(event) =>
                          confirmRoleChange(user.email, user.id, event.target.value as RoleValue)
                        }
                        className="rounded-md border-0 bg-white py-1 ps-2 pe-7 text-sm ring-1 ring-inset ring-slate-300 disabled:opacity-60"
                      >
                        <RoleOptions />
                      </select>
                    </td>
                    <td className="py-2 pe-4">
                      <span
                        className={cx(
                          "rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
                          STATUS_STYLES[user.status],
                        )}
                      >
                        {t(`userStatus.${user.status}`)}
                      </span>
                    </td>
                    <td className="space-x-2 py-2 text-end whitespace-nowrap">
                      {user.status === "invited" && (
                        <Button
                          variant="secondary"
                          disabled={reissue.isPending}
                          aria-label={t("newLinkFor", { email: user.email })}
                          onClick={() =>
                            reissue.mutate(
                              { userId: user.id },
                              {
                                onSuccess: (data) =>
                                  setReissued({ path: data.invitePath, email: user.email }),
                              },
                            )
                          }
                        >
                          {t("newLink")}
                        </Button>
                      )}
                      {!isSelf && (
                        <Button
                          variant={user.status === "deactivated" ? "secondary" : "danger"}
                          disabled={setActive.isPending}
                          aria-label={t(
                            user.status === "deactivated" ? "reactivateNamed" : "deactivateNamed",
                            {
                              email: user.email,
                            },
                          )}
                          onClick={() =>
                            setActive.mutate({ userId: user.id, isActive: user.status === "deactivated" })
                          }
                        >
                          {user.status === "deactivated" ? t("reactivate") : t("deactivate")}
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>

        {list.data && <Pager page={list.data.page} pageCount={list.data.pageCount} onPage={setPage} />}
      </Card>
    </div>
  );
}
