"use client";
// Edit a campaign's settings, choose who works in it, or start a new campaign from it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Alert, Button, Card, TextField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { CampaignForm } from "../../_components/campaign-form";
import { Pager } from "../../../../_components/pager";

export function CampaignSettings({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignSettings");
  const router = useRouter();
  const queryClient = useQueryClient();
  const overview = useQuery(trpc.campaigns.overview.queryOptions({ campaignId }));
  const refresh = async () => {
    await queryClient.invalidateQueries(trpc.campaigns.overview.queryFilter({ campaignId }));
    router.refresh();
  };
  const update = useMutation(trpc.campaigns.update.mutationOptions({ onSuccess: refresh }));
  if (overview.error) return <Alert>{errorMessage(overview.error)}</Alert>;
  if (!overview.data) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  const { campaign, members } = overview.data;
  return (
    <div className="space-y-6">
      <Card title={t("settings")}>
        <CampaignForm
          key={campaign.updatedAt.toISOString()}
          initial={campaign}
          submitLabel={t("save")}
          pending={update.isPending}
          error={update.error}
          onSubmit={(values) => update.mutate({ campaignId, ...values })}
        />
        {update.isSuccess && !update.isPending && (
          <div className="mt-3">
            <Alert tone="success">{t("saved")}</Alert>
          </div>
        )}
      </Card>
      <Members
        campaignId={campaignId}
        membership={campaign.membership}
        memberIds={members.map((member) => member.id)}
        onSaved={refresh}
      />
      <Duplicate campaignId={campaignId} name={campaign.name} />
    </div>
  );
}

function Members({
  campaignId,
  membership,
  memberIds,
  onSaved,
}: {
  campaignId: string;
  membership: "all" | "selected";
  memberIds: string[];
  onSaved: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignSettings");
  const tHeader = useTranslations("Header");
  const [mode, setMode] = useState(membership);
  const [chosen, setChosen] = useState(() => new Set(memberIds));
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const people = useQuery({
    ...trpc.users.list.queryOptions({ page, pageSize: 20, search: search || undefined }),
    enabled: mode === "selected",
  });
  const save = useMutation(trpc.campaigns.setMembers.mutationOptions({ onSuccess: onSaved }));
  return (
    <Card title={t("members")} description={t("membersHint")}>
      <fieldset className="space-y-2 text-sm">
        <legend className="sr-only">{t("membersHint")}</legend>
        <label className="flex items-center gap-2">
          <input type="radio" name="membership" checked={mode === "all"} onChange={() => setMode("all")} />
          {t("everyone")}
        </label>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            name="membership"
            checked={mode === "selected"}
            onChange={() => setMode("selected")}
          />
          {t("chosen", { count: chosen.size })}
        </label>
      </fieldset>
      {mode === "selected" && (
        <div className="mt-4">
          <div className="max-w-xs">
            <TextField
              id="member-search"
              label={t("findPeople")}
              type="search"
              value={search}
              onChange={(event) => {
                setSearch(event.target.value);
                setPage(1);
              }}
            />
          </div>
          <ul className="mt-3 divide-y divide-slate-100 text-sm">
            {people.data?.items
              .filter((person) => person.status !== "deactivated")
              .map((person) => (
                <li key={person.id} className="py-1.5">
                  <label className="flex items-center gap-2">
                    <input
                      type="checkbox"
                      checked={chosen.has(person.id)}
                      onChange={(event) => {
                        const next = new Set(chosen);
                        if (event.target.checked) next.add(person.id);
                        else next.delete(person.id);
                        setChosen(next);
                      }}
                    />
                    {person.email} <span className="text-slate-500">({tHeader(`role.${person.role}`)})</span>
                  </label>
                </li>
              ))}
          </ul>
          {people.data && (
            <Pager
              page={people.data.page}
              pageCount={people.data.pageCount}
              onPage={setPage}
              label={t("peoplePages")}
            />
          )}
        </div>
      )}
      {save.error && (
        <div className="mt-3">
          <Alert>{errorMessage(save.error)}</Alert>
        </div>
      )}
      {save.isSuccess && !save.isPending && (
        <div className="mt-3">
          <Alert tone="success">{t("membersSaved")}</Alert>
        </div>
      )}
      <div className="mt-4">
        <Button
          disabled={save.isPending}
          onClick={() => save.mutate({ campaignId, membership: mode, memberIds: [...chosen] })}
        >
          {t("saveMembers")}
        </Button>
      </div>
    </Card>
  );
}

function Duplicate({ campaignId, name }: { campaignId: string; name: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignSettings");
  const router = useRouter();
  const duplicate = useMutation(
    trpc.campaigns.duplicate.mutationOptions({
      onSuccess: (copy) => router.push(`/admin/campaigns/${copy.id}`),
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    duplicate.mutate({ campaignId, name: String(new FormData(event.currentTarget).get("name") ?? "") });
  }
  return (
    <Card title={t("duplicate")} description={t("duplicateHint")}>
      <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-3">
        <div className="w-80">
          <TextField
            id="duplicate-name"
            name="name"
            label={t("copyName")}
            defaultValue={t("copyDefault", { name })}
            maxLength={100}
          />
        </div>
        <Button type="submit" variant="secondary" disabled={duplicate.isPending}>
          {t("duplicateSubmit")}
        </Button>
      </form>
      {duplicate.error && (
        <div className="mt-3">
          <Alert>{errorMessage(duplicate.error)}</Alert>
        </div>
      )}
    </Card>
  );
}
