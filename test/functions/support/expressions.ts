/**
 * The DynamoDB condition/update expression subset, shared with the offline rehearsal (one
 * evaluator, so the rehearsal's tables and these test models agree on semantics). Anything
 * outside the subset throws, so a test fails loudly instead of passing on an ignored expression.
 */
export { applyUpdate, evaluateCondition } from "../../../sim/dynamodb/expressions";
