import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Alert, Card } from "../../_components/ui";
import { AcceptInvitationForm } from "./accept-invitation-form";
import { getServerCaller } from "@/server/api/server-caller";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Invite"))("title") };
}

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const caller = await getServerCaller();
  const invitation = await caller.invitations.get({ token }).catch(() => null);
  const t = await getTranslations("Invite");
  const roles = await getTranslations("Header");

  return (
    <div className="mx-auto mt-8 max-w-md">
      <h1 className="mb-6 text-center text-2xl font-semibold tracking-tight">{t("heading")}</h1>
      {invitation ? (
        <Card
          title={t("setPassword")}
          description={t("invitedAs", {
            role: roles(`role.${invitation.role}`).toLowerCase(),
            email: invitation.email,
          })}
        >
          <AcceptInvitationForm
            token={token}
            email={invitation.email}
            role={invitation.role}
            initialName={invitation.name}
          />
        </Card>
      ) : (
        <Alert>{(await getTranslations("ServerErrors"))("invitationInvalid")}</Alert>
      )}
    </div>
  );
}
