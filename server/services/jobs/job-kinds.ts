// Every job kind the server's workers run. A kind is defined beside the service that queues it
// (defineJob) and listed here, so that every instance knows the same set.
import { backfillStyleFeaturesJob } from "../integrity/backfill-style-features";
import { integrityReportJob } from "../integrity/integrity-reports";
import { reclusterPromptsJob } from "../integrity/recluster-prompts";
import { judgeComparisonJob, scoreResponsesJob } from "../judging/judging-jobs";
import { webhookDeliveryJob } from "../webhooks/deliver-webhook";
import { jobRegistry } from "./define-job";

export const serverJobKinds = jobRegistry([
  integrityReportJob,
  reclusterPromptsJob,
  backfillStyleFeaturesJob,
  webhookDeliveryJob,
  judgeComparisonJob,
  scoreResponsesJob,
]);
