/**
 * What the stack reserves of a region's Lambda concurrency, and the account quota that needs: the
 * one computation lives beside the handler registry (lib/handlers/concurrency.ts), where
 * `drctl preflight` uses it too. The README's Deploy section states these figures and
 * test/infra/deploy-doc.test.ts holds them.
 */
export {
  LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY,
  requiredConcurrencyQuota,
  reservedConcurrencyPerRegion,
} from "../../lib/handlers/concurrency";
