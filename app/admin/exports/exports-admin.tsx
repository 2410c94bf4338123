"use client";
// The exports page: the form (with preview and download) above the record of past exports.
import { ExportForm } from "./export-form";
import { PastExports } from "./past-exports";

export function ExportsAdmin() {
  return (
    <div className="space-y-6">
      <ExportForm />
      <PastExports />
    </div>
  );
}
