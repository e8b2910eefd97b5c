/** Offline evaluation options several test files share, named once so they share one evaluation per run. */
import { DEFAULT_OFFLINE_CONFIG } from "../../infra/offline/default-config";
import type { EvaluateOptions } from "../../infra/offline/evaluate";

/** The default stack in eventual mode (multi-Region eventually consistent tables). */
export const EVENTUAL_OFFLINE_OPTIONS: EvaluateOptions = { config: { ...DEFAULT_OFFLINE_CONFIG, dataConsistency: "eventual" } };

/** Every optional setting changed from its default (test/infra/config-variants.test.ts). */
export const EVERY_SETTING_CHANGED = {
  hostedZoneName: "pay.example.org",
  hostedZoneId: "Z0123456789ABCDEFGHIJ",
  environment: "prod",
  healthCheckIntervalSeconds: 30,
  healthCheckFailureThreshold: 5,
  dnsTtlSeconds: 30,
  alertEmails: ["oncall@example.org", "sre@example.org"],
  logRetentionDays: 731,
  wafEnabled: false,
  rpoSeconds: 30,
  canaryProbesPerMinute: 2,
  apiThrottleRateLimit: 500,
  accountPublicAccessBlock: false,
  autoFailover: false,
  minAutoFailoverIntervalSeconds: 1800,
  drillHoldSeconds: 120,
  rtoSeconds: 240,
};

/** A staging stack with every optional setting changed. */
export const EVERY_SETTING_CHANGED_OPTIONS: EvaluateOptions = { stack: "staging", config: EVERY_SETTING_CHANGED };

/**
 * The configs besides the default whose evaluation a whole run of each jest project needs, in the
 * order the global setup evaluates them (test/setup/global-setup.ts): the one most files use first.
 * A file using a config not listed here evaluates it when it first asks (test/setup/evaluations.ts).
 */
export const PROJECT_CONFIGS: Record<"default" | "e2e", EvaluateOptions[]> = {
  default: [EVENTUAL_OFFLINE_OPTIONS, EVERY_SETTING_CHANGED_OPTIONS],
  e2e: [EVENTUAL_OFFLINE_OPTIONS],
};
