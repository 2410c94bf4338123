// The HTTP API's exports: start one (the answer streams the file as it is written, as the
// admin page's download does) and follow its progress by the id the caller chose.
import { z } from "zod";
import { NotFoundError } from "@/server/errors";
import { findCampaign } from "@/server/services/campaigns/campaign-access";
import { DownloadExportInput, startExportDownload } from "@/server/services/exports/download-export";
import { GetExportInput, getExport } from "@/server/services/exports/list-exports";
import { type ExportDownloadDeps, exportFileResponse } from "../export-download-route";
import { defineApiRoute } from "./api-route";

const CampaignId = z.uuid("That is not a valid campaign id.");

const asObject = (value: unknown) => (typeof value === "object" && value !== null ? value : {});

const StartExportInput = DownloadExportInput.extend({ campaignId: CampaignId });

export const startExportRoute = defineApiRoute<typeof StartExportInput, ExportDownloadDeps>({
  method: "POST",
  path: "/api/v1/campaigns/{campaignId}/exports",
  summary: "Export a campaign's dataset",
  tag: "Exports",
  role: "admin",
  // Exporting changes nothing: a pipeline that only reads may pull its training data.
  scope: "read",
  input: StartExportInput,
  // The campaign is the path's (its id stands in for the name until the handler looks it up).
  applyPath: (input, { campaignId }) => ({
    ...input,
    options: { ...asObject(input.options), campaigns: [campaignId] },
  }),
  returns:
    "The dataset, streamed while it is written (JSONL, Parquet, or a tar of a dataset folder). Choose `id` " +
    "yourself to follow the progress at /exports/{id}; `options.campaigns` is this campaign.",
  produces: "application/octet-stream",
  async handle({ input: { campaignId, ...download }, request, user, deps }) {
    const db = await deps.db();
    const campaign = await findCampaign(db, campaignId);
    const options = { ...download.options, campaigns: [campaign.name] };
    return exportFileResponse(
      await startExportDownload(db, { ...download, options }, user, deps.exportKey(), request.signal),
    );
  },
});

export const getExportRoute = defineApiRoute({
  method: "GET",
  path: "/api/v1/campaigns/{campaignId}/exports/{id}",
  summary: "Follow an export",
  tag: "Exports",
  role: "admin",
  scope: "read",
  input: GetExportInput.extend({ campaignId: CampaignId }),
  returns: "The export's status, progress (done of total), row counts and each file's sha256 once finished.",
  async handle({ input: { campaignId, id }, deps }) {
    const db = await deps.db();
    const [campaign, record] = await Promise.all([findCampaign(db, campaignId), getExport(db, { id })]);
    const campaigns = (record.options as { campaigns?: string[] }).campaigns ?? [];
    // Only an export of this campaign alone: a token limited to it must not read others' records.
    if (campaigns.length !== 1 || campaigns[0] !== campaign.name) {
      throw new NotFoundError("This campaign has no export with that id.");
    }
    return record;
  },
});
