"use client";
// The users page: invite form, search, and the table with per-user actions.
import { plural } from "@/lib/plural";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Pager } from "../../_components/pager";
import { Alert, Button, Card, cx, SelectField, TextField } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";

const ROLE_OPTIONS = [
  { value: "annotator", label: "Annotator" },
  { value: "reviewer", label: "Reviewer" },
  { value: "admin", label: "Admin" },
] as const;
type RoleValue = (typeof ROLE_OPTIONS)[number]["value"];
const ROLE_WITH_ARTICLE: Record<RoleValue, string> = {
  annotator: "an annotator",
  reviewer: "a reviewer",
  admin: "an admin",
};

const STATUS_STYLES = {
  active: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  invited: "bg-sky-50 text-sky-700 ring-sky-200",
  deactivated: "bg-slate-100 text-slate-600 ring-slate-200",
};

function InvitationLink({ path, email }: { path: string; email: string }) {
  const url = typeof window === "undefined" ? path : `${window.location.origin}${path}`;
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-2">
      <Alert tone="success">Send this one-time link to {email}. It works once and expires in 7 days.</Alert>
      <div className="flex gap-2">
        <input
          readOnly
          aria-label="Invitation link"
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
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
    </div>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const trpc = useTRPC();
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
    <Card title="Invite someone" description="They get a link to set their password; no email is sent.">
      <form
        onSubmit={onSubmit}
        className="grid gap-4 sm:grid-cols-[2fr_2fr_1fr_auto] sm:items-end"
        noValidate
      >
        <TextField id="invite-email" name="email" type="email" label="Email" required maxLength={254} />
        <TextField id="invite-name" name="name" label="Name (optional)" maxLength={100} />
        <SelectField id="invite-role" name="role" label="Role" defaultValue="annotator">
          {ROLE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </SelectField>
        <Button type="submit" disabled={invite.isPending}>
          {invite.isPending ? "Inviting…" : "Invite"}
        </Button>
        {campaigns.data && campaigns.data.items.length > 0 && (
          <fieldset className="sm:col-span-4">
            <legend className="text-sm font-medium text-slate-700">
              Add to campaigns (optional: they join when they set their password)
            </legend>
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
  const trpc = useTRPC();
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
    if (!window.confirm(`Make ${email} ${ROLE_WITH_ARTICLE[role]}? It applies from their next page.`)) return;
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
              label="Search by email or name"
              type="search"
              maxLength={254}
              value={search}
              onChange={(event) => {
                setSearch(event.target.value);
                setPage(1);
              }}
            />
          </div>
          {list.data && <p className="text-sm text-slate-600">{plural(list.data.total, "user")}</p>}
        </div>
        <div className="space-y-2">
          {actionError && <Alert>{errorMessage(actionError)}</Alert>}
          {changeRole.isSuccess && !changeRole.isPending && (
            <Alert tone="success">
              Saved: {changeRole.data.email} is now {ROLE_WITH_ARTICLE[changeRole.data.role]}.
            </Alert>
          )}
          {list.error && <Alert>{errorMessage(list.error)}</Alert>}
          {reissued && <InvitationLink path={reissued.path} email={reissued.email} />}
        </div>

        <div className="mt-4 overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Users</caption>
            <thead>
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pr-4">
                  Email
                </th>
                <th scope="col" className="py-2 pr-4">
                  Name
                </th>
                <th scope="col" className="py-2 pr-4">
                  Role
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
              {list.isPending && (
                <tr>
                  <td colSpan={5} className="py-6 text-center text-slate-500">
                    Loading users…
                  </td>
                </tr>
              )}
              {list.data?.items.length === 0 && (
                <tr>
                  <td colSpan={5} className="py-6 text-center text-slate-500">
                    No users match this search.
                  </td>
                </tr>
              )}
              {list.data?.items.map((user) => {
                const isSelf = user.id === currentUserId;
                return (
                  <tr key={user.id}>
                    <td className="py-2 pr-4 font-medium text-slate-900">{user.email}</td>
                    <td className="py-2 pr-4 text-slate-700">{user.name}</td>
                    <td className="py-2 pr-4">
                      <select
                        aria-label={`Role of ${user.email}`}
                        value={user.role}
                        disabled={isSelf || changeRole.isPending}
                        title={isSelf ? "You cannot change your own role" : undefined}
                        onChange={(event) =>
                          confirmRoleChange(user.email, user.id, event.target.value as RoleValue)
                        }
                        className="rounded-md border-0 bg-white py-1 pl-2 pr-7 text-sm ring-1 ring-inset ring-slate-300 disabled:opacity-60"
                      >
                        {ROLE_OPTIONS.map((option) => (
                          <option key={option.value} value={option.value}>
                            {option.label}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="py-2 pr-4">
                      <span
                        className={cx(
                          "rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
                          STATUS_STYLES[user.status],
                        )}
                      >
                        {user.status === "active"
                          ? "Active"
                          : user.status === "invited"
                            ? "Invited"
                            : "Deactivated"}
                      </span>
                    </td>
                    <td className="space-x-2 py-2 text-right whitespace-nowrap">
                      {user.status === "invited" && (
                        <Button
                          variant="secondary"
                          disabled={reissue.isPending}
                          aria-label={`New link for ${user.email}`}
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
                          New link
                        </Button>
                      )}
                      {!isSelf && (
                        <Button
                          variant={user.status === "deactivated" ? "secondary" : "danger"}
                          disabled={setActive.isPending}
                          aria-label={`${user.status === "deactivated" ? "Reactivate" : "Deactivate"} ${user.email}`}
                          onClick={() =>
                            setActive.mutate({ userId: user.id, isActive: user.status === "deactivated" })
                          }
                        >
                          {user.status === "deactivated" ? "Reactivate" : "Deactivate"}
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
