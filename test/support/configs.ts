/** Offline evaluation options several test files share, named once so they share one evaluation per run. */
import { DEFAULT_OFFLINE_CONFIG } from "../../infra/offline/default-config";
import type { EvaluateOptions } from "../../infra/offline/evaluate";

/** The default stack in eventual mode (multi-Region eventually consistent tables). */
export const EVENTUAL_OFFLINE_OPTIONS: EvaluateOptions = { config: { ...DEFAULT_OFFLINE_CONFIG, dataConsistency: "eventual" } };
