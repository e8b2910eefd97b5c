/**
 * The DynamoDB document client every ControlTable in the runbooks uses: explicit region (local,
 * or the peer's for the few steps that write through the peer's replica with the DR operations
 * role's credentials and short timeouts).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PEER_CALL_TIMEOUTS, type CredentialProvider } from "./aws";

export function documentClient(region: string, credentials?: CredentialProvider): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ region, ...(credentials ? { credentials, maxAttempts: 2, requestHandler: PEER_CALL_TIMEOUTS } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}
