/**
 * The DynamoDB document client every ControlTable in the runbooks uses: explicit region (local,
 * or the peer's for the few steps that write through the peer's replica with the DR operations
 * role's credentials and short timeouts).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ControlTable } from "../../functions/lib/control-record";
import { drOperationsCredentials, PEER_CALL_TIMEOUTS, type CredentialProvider } from "./aws";

export function documentClient(region: string, credentials?: CredentialProvider): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ region, ...(credentials ? { credentials, maxAttempts: 2, requestHandler: PEER_CALL_TIMEOUTS } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

/**
 * The control table as seen in this region's replica and, through the DR operations role, in the
 * peer's — for the steps that must write a record where the peer reads it.
 */
export function localAndPeerControlTables(options: {
  localRegion: string;
  peerRegion: string;
  tableName: string;
  drOperationsRoleArn: string;
  sessionName: string;
}): { local: ControlTable; peer: ControlTable } {
  const credentials = drOperationsCredentials({ roleArn: options.drOperationsRoleArn, stsRegion: options.localRegion, sessionName: options.sessionName });
  return {
    local: new ControlTable(documentClient(options.localRegion), options.tableName),
    peer: new ControlTable(documentClient(options.peerRegion, credentials), options.tableName),
  };
}
