// Shown in place of a page the user's role does not allow.
import Link from "next/link";
import type { Role } from "@/server/auth/roles";
import { forbiddenMessage } from "@/server/auth/roles";

export function Forbidden({ required, actual }: { required: Role; actual: Role }) {
  return (
    <div className="mx-auto max-w-lg rounded-lg border border-amber-200 bg-amber-50 p-6">
      <h1 className="text-lg font-semibold text-amber-900">You do not have access to this page</h1>
      <p className="mt-2 text-sm text-amber-800">{forbiddenMessage(required, actual)}</p>
      <Link href="/" className="mt-4 inline-block text-sm font-semibold text-indigo-700 hover:underline">
        Go to the start page
      </Link>
    </div>
  );
}
