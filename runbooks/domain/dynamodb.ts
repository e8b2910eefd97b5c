/**
 * The DynamoDB document client every ControlTable in the runbooks uses: explicit region (local,
 * or the peer's for the few steps that write through the peer's replica with the DR operations
 * role's credentials and short timeouts).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ControlTable } from "../../lib/control-record";
import { awsClient, DOCUMENT_CLIENT_OPTIONS, PEER_CALL_TUNING, RUNBOOK_CALL_TUNING } from "../../lib/aws-clients";
import { drOperationsCredentials, type CredentialProvider } from "../../lib/aws-credentials";

export function documentClient(region: string, credentials?: CredentialProvider): DynamoDBDocumentClient {
  // Through the DR operations role means the peer's replica: the short peer timeouts apply.
  const client = credentials
    ? awsClient(DynamoDBClient, region, PEER_CALL_TUNING, credentials)
    : awsClient(DynamoDBClient, region, RUNBOOK_CALL_TUNING);
  return DynamoDBDocumentClient.from(client, DOCUMENT_CLIENT_OPTIONS);
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
  const credentials = drOperationsCredentials({
    roleArn: options.drOperationsRoleArn,
    stsRegion: options.localRegion,
    sessionName: options.sessionName,
  });
  return {
    local: new ControlTable(documentClient(options.localRegion), options.tableName),
    peer: new ControlTable(documentClient(options.peerRegion, credentials), options.tableName),
  };
}
