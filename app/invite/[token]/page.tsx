import type { Metadata } from "next";
import { Alert, Card } from "../../_components/ui";
import { AcceptInvitationForm } from "./accept-invitation-form";
import { getServerCaller } from "@/server/api/server-caller";
import { ROLE_LABELS } from "@/server/auth/roles";
import { INVALID_INVITATION_MESSAGE } from "@/server/services/users/get-invitation";

export const metadata: Metadata = { title: "Accept invitation" };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const caller = await getServerCaller();
  const invitation = await caller.invitations.get({ token }).catch(() => null);

  return (
    <div className="mx-auto mt-8 max-w-md">
      <h1 className="mb-6 text-center text-2xl font-semibold tracking-tight">Join Arbiter</h1>
      {invitation ? (
        <Card
          title="Set your password"
          description={`You were invited as ${ROLE_LABELS[invitation.role].toLowerCase()} with the email ${invitation.email}.`}
        >
          <AcceptInvitationForm
            token={token}
            email={invitation.email}
            role={invitation.role}
            initialName={invitation.name}
          />
        </Card>
      ) : (
        <Alert>{INVALID_INVITATION_MESSAGE}</Alert>
      )}
    </div>
  );
}
