import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-lg text-center">
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="mt-2 text-sm text-slate-600">The address may be mistyped, or the page has moved.</p>
      <Link href="/" className="mt-4 inline-block text-sm font-semibold text-indigo-700 hover:underline">
        Go to the start page
      </Link>
    </div>
  );
}
