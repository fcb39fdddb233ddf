/** The /api/insights payloads as the browser sees them (see docs/api.md "Insights"): the wire contract's types. */
export type {
  RegimeLabel,
  Lean,
  CalibrationBinDto,
  OutOfSampleDto,
  ContributionDto,
  ModelInsightDto,
  ConsensusItemDto,
  RiskInsightDto,
  SummaryDto,
  InsightsDto,
  ModelSummaryDto,
  TrainResultDto,
} from "@/server/contract";
