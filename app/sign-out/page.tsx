import type { Metadata } from "next";
import { Card } from "../_components/ui";
import { SignOutButton } from "../_components/sign-out-button";

export const metadata: Metadata = { title: "Sign out" };

export default function SignOutPage() {
  return (
    <div className="mx-auto mt-8 max-w-sm">
      <Card title="Sign out of Arbiter?" description="You can sign in again at any time.">
        <SignOutButton />
      </Card>
    </div>
  );
}
