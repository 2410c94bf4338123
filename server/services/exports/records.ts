// What the reader hands the formats: one unit per exported rating (or per turn, when overlap
// ratings are aggregated), with its dialogue, responses and context already joined.
import type {
  BestOfNSample,
  ComparisonSource,
  ConversationOrigin,
  EndpointKind,
  ReviewStatus,
} from "@/db/schema";
import type { CampaignKind, SafetyBin, Strength } from "@/lib/constants";
import type { ChatMessage, EarlierTurn } from "./prompt";

export interface ComparisonRecord {
  id: string;
  /** ISO 8601, UTC, microseconds: also the keyset cursor. */
  createdAt: string;
  turnId: string;
  conversationId: string;
  campaignId: string;
  batchId: string;
  annotatorId: string;
  source: ComparisonSource;
  pairTaskId: string | null;
  chosenResponseId: string;
  rejectedResponseId: string;
  ranking: string[];
  strength: Strength;
  responseSafety: Record<string, boolean> | null;
  safetyBin: SafetyBin | null;
  note: string | null;
  timeSpentMs: number;
  reviewStatus: ReviewStatus;
  isGold: boolean;
}

export interface ResponseRecord {
  id: string;
  position: number;
  text: string;
  variantId: string | null;
  variantName: string;
  variantVersion: string;
  model: string;
  endpointKind: EndpointKind;
  /** The LoRA adapter file a local variant applied, and its scale; null: none. */
  adapterPath: string | null;
  adapterScale: number | null;
  temperature: number;
  topP: number;
  topK: number | null;
  maxTokens: number;
  seed: number;
  finishReason: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  firstTokenMs: number | null;
  latencyMs: number | null;
  completedAt: string | null;
  /** The campaign's reward model's score (raw only); null: not scored. */
  rewardScore: number | null;
}

export interface CampaignInfo {
  id: string;
  name: string;
  kind: CampaignKind;
}

export interface BatchInfo {
  id: string;
  number: number;
  label: string;
}

export interface ConversationInfo {
  id: string;
  origin: ConversationOrigin;
  batchId: string;
  systemPrompt: string | null;
  safetyPreprompt: string | null;
  riskCategory: string | null;
  attackVector: string | null;
  createdAt: string;
}

export interface GoldInfo {
  expectedChosenResponseId: string;
  expectedStrength: Strength | null;
}

/** The campaign's LLM judge on the rated pair (comparison_assists), once judged. */
export interface JudgeLabel {
  outcome: "winner" | "unsure";
  winnerResponseId: string | null;
  strength: Strength | null;
  rationale: string | null;
  model: string | null;
}

/** A best-of-N turn's samples with their reward scores, and which two the responses show. */
export interface BestOfNRecord {
  n: number;
  rewardModel: string | null;
  bestResponseId: string;
  otherResponseId: string;
  bestIndex: number | null;
  otherIndex: number | null;
  samples: BestOfNSample[] | null;
}

export interface ExportUnit {
  /** The rating; with aggregated overlap, the author's rating first, then the overlap ratings. */
  comparisons: ComparisonRecord[];
  campaign: CampaignInfo;
  batch: BatchInfo;
  conversation: ConversationInfo;
  turn: { id: string; index: number; userMessage: string };
  history: EarlierTurn[];
  /** Every response of the turn, by display position. */
  responses: ResponseRecord[];
  /** What the model was sent (read only when a kept safety preprompt needs it). */
  sentMessages: ChatMessage[] | null;
  /** Read for the raw format only. */
  gold: GoldInfo | null;
  ratingsOfTurn: number;
  isReported: boolean;
  /** Raw format only: the turn's integrity flags ("identity-leak", "identity-question", and
   * "near-duplicate" on every turn of a dialogue whose opening prompt repeats an earlier one). */
  integrityFlags: string[];
  /** Raw format only: the dialogue that opened the near-duplicate cluster of this dialogue's
   * opening prompt (its own id when it opened it); null when the prompt is not signed yet. */
  promptCluster: string | null;
  /** Raw format only: the reference answer of the prompt-set prompt the dialogue opened with. */
  referenceAnswer: string | null;
  /** Raw format, or labels from the judge: the judge's verdict on the (anchor) rating. */
  judge: JudgeLabel | null;
  /** Raw format: the turn's best-of-N samples, when it is a best-of-N turn. */
  bestOfN: BestOfNRecord | null;
}
