"use client";
// The exports page: the form (with preview and download) above the record of past exports,
// which can be downloaded again through the same download.
import { ExportForm } from "./export-form";
import { PastExports } from "./past-exports";
import { useExportDownload } from "./use-export-download";

export function ExportsAdmin() {
  const exportDownload = useExportDownload();
  return (
    <div className="space-y-6">
      <ExportForm exportDownload={exportDownload} />
      <PastExports
        isDownloading={exportDownload.download?.state === "running"}
        onDownloadAgain={(output, options) => void exportDownload.start(output, options)}
      />
    </div>
  );
}
