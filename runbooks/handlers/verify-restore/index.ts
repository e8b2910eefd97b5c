/**
 * VerifyRestoredTable (drill) — checks this run's restored copy against the table it came from, at
 * the restore point (the rules are in runbooks/domain/restore-rehearsal.ts):
 *
 * 1. `scratch`: Scan the copy (strongly consistent: a single-Region table), counting its items by
 *    where they stand relative to the restore point;
 * 2. `source`: Scan the payments table's local replica (eventually consistent: what this region's
 *    replica holds, which is what was backed up) the same way, keeping the most recently written
 *    payments that have not changed since well before the restore point;
 * 3. `compare`: read each of those from both tables and compare them attribute by attribute.
 *
 * A big table does not fit one invocation: each stops starting new pages after
 * {@link BUDGET_MS} and returns where it stands (`progress`); the state machine calls it again until
 * `done`, a bounded number of times. The output holds counts, payment ids and attribute names,
 * never payment contents (they would sit in the execution history for 90 days).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { createLogger, stepHandler } from "../../domain/handler";
import {
  classifyItem,
  countItem,
  differingAttributes,
  emptyCounts,
  judgeRestore,
  keepRecent,
  type SpotCheck,
  unchangedSinceBefore,
} from "../../domain/restore-rehearsal";
import { runSchema } from "../../domain/run";
import { restoreStartSchema, restoreVerifyProgressSchema, type RestoreVerifyProgress, type RestoreVerifyStep } from "../../domain/steps";
import { awsClient, DOCUMENT_CLIENT_OPTIONS, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("verify-restore");
const documents = DynamoDBDocumentClient.from(awsClient(DynamoDBClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING), DOCUMENT_CLIENT_OPTIONS);
const logger = createLogger("verify-restore");

/**
 * No new page is started after this much of an invocation: with a page's worst case
 * (RUNBOOK_CALL_TUNING: 3 attempts of 2 s, plus backoff) it ends well inside the function's 20 s.
 */
export const BUDGET_MS = 12_000;
/** The payments table's hash key (functions/domain/payments.ts). */
const KEY = "paymentId";

type Item = Record<string, unknown>;

export const handler = stepHandler(
  "verify-restore",
  z.object({ run: runSchema, restore: restoreStartSchema, progress: z.nullable(restoreVerifyProgressSchema) }),
  logger,
  async ({ restore, progress: previous }): Promise<Omit<RestoreVerifyStep, "step" | "startedAt" | "finishedAt">> => {
    const deadline = Date.now() + BUDGET_MS;
    const progress: RestoreVerifyProgress = previous ?? {
      phase: "scratch",
      lastKey: null,
      scratch: emptyCounts(),
      source: emptyCounts(),
      candidates: [],
      pages: 0,
    };
    const T = restore.restorePoint;

    // 1 and 2: the two Scans, resumed where the last invocation stopped.
    while (progress.phase !== "compare" && Date.now() < deadline) {
      const fromScratch = progress.phase === "scratch";
      const page = await documents.send(
        new ScanCommand({
          TableName: fromScratch ? restore.scratchTable : restore.sourceTable,
          ConsistentRead: fromScratch,
          ...(progress.lastKey ? { ExclusiveStartKey: progress.lastKey } : {}),
        }),
      );
      progress.pages += 1;
      for (const item of (page.Items ?? []) as Item[]) {
        countItem(fromScratch ? progress.scratch : progress.source, classifyItem(item, T));
        if (!fromScratch && typeof item[KEY] === "string" && unchangedSinceBefore(item, T)) {
          progress.candidates = keepRecent(progress.candidates, {
            key: item[KEY] as string,
            lastWrittenAt: String(item.updatedAt ?? item.createdAt),
            acknowledgedAt: String(item.createdAt),
          });
        }
      }
      progress.lastKey = (page.LastEvaluatedKey as Item | undefined) ?? null;
      if (progress.lastKey === null) progress.phase = fromScratch ? "source" : "compare";
    }
    if (progress.phase !== "compare") {
      logger.info("check continues in the next invocation", { phase: progress.phase, pages: progress.pages });
      return { done: false, passed: null, progress };
    }

    // 3: the chosen payments, read again from both tables and compared.
    const spotChecks: SpotCheck[] = [];
    for (const c of progress.candidates) {
      const [source, copy] = await Promise.all([
        documents.send(new GetCommand({ TableName: restore.sourceTable, Key: { [KEY]: c.key } })),
        documents.send(new GetCommand({ TableName: restore.scratchTable, Key: { [KEY]: c.key }, ConsistentRead: true })),
      ]);
      const base = { key: c.key, acknowledgedAt: c.acknowledgedAt, lastWrittenAt: c.lastWrittenAt };
      const now = source.Item as Item | undefined;
      if (!now || !unchangedSinceBefore(now, T)) spotChecks.push({ ...base, result: "changed", differences: [] });
      else if (!copy.Item) spotChecks.push({ ...base, result: "missing", differences: [] });
      else {
        const differences = differingAttributes(now, copy.Item as Item);
        spotChecks.push({ ...base, result: differences.length === 0 ? "identical" : "different", differences });
      }
    }
    const judgement = judgeRestore({ scratch: progress.scratch, source: progress.source, spotChecks, restorePoint: T });
    logger.info("restored copy checked", { passed: judgement.passed, summary: judgement.summary });
    return {
      done: true,
      passed: judgement.passed,
      progress: null,
      summary: judgement.passed ? judgement.summary : `${judgement.problems.join("; ")} (${judgement.summary})`,
      problems: judgement.problems,
      scratch: progress.scratch,
      source: progress.source,
      spotChecks,
      itemsRead: progress.scratch.total + progress.source.total,
      pages: progress.pages,
      checkedAt: Date.now(),
    };
  },
);
