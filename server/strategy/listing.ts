import { listStrategyKinds, type StrategyKindInfo } from "./registry";
import { userStrategiesStatus, type StrategyFileProblem, type StrategyRuntimeFault } from "./user/loader";

/** GET /api/strategies/kinds?include=errors: the kinds, and what did not load or failed while running. */
export interface StrategyKindsReport {
  kinds: StrategyKindInfo[];
  /** The strategies folder (STRATEGIES_DIR) and whether it exists. */
  dir: string;
  present: boolean;
  /** Files that did not load, with file, line and reason. */
  errors: StrategyFileProblem[];
  /** Recent failures of loaded user strategies while they ran (newest first). */
  faults: StrategyRuntimeFault[];
}

export function strategyKindsReport(): StrategyKindsReport {
  const kinds = listStrategyKinds(); // loads the folder first if nobody has yet
  const status = userStrategiesStatus();
  return { kinds, dir: status.dir, present: status.present, errors: status.errors, faults: status.faults };
}
