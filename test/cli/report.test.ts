import { GetObjectCommand } from "@aws-sdk/client-s3";
import { renderReportMarkdown } from "../../runbooks/domain/report";
import { allCalls, awsError, byRegion, drctl, resetMocks, s3, standardParameters } from "./support/harness";
import { evidenceBucket, executionArn, SECONDARY } from "./support/fixtures";
import { FAILOVER_NAME, reportFor, succeededFailover } from "./support/scenarios";

const report = reportFor(succeededFailover().current, 58);
const body = (text: string) => ({ Body: { transformToString: async () => text } }) as never;

beforeEach(() => {
  resetMocks();
  standardParameters();
  s3.on(GetObjectCommand).callsFake(byRegion({ [SECONDARY]: () => body(JSON.stringify(report)) }) as never);
});

describe("drctl report", () => {
  it("prints the run's report as Markdown from the evidence bucket of the region that ran it", async () => {
    const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME]);

    expect(out.code).toBe(0);
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({
      Bucket: evidenceBucket(SECONDARY),
      Key: `reports/${FAILOVER_NAME}/report.json`,
    });
    expect(out.stdout).toBe(renderReportMarkdown(report));
    expect(out.stdout).toContain("| RTO | 56 s | 300 s | PASS |\n| RPO exposure | 1.2 s | 60 s | PASS |\n");
    expect(out.stdout).toContain("## Timeline\n");
    expect(out.stderr).toBe(`s3://${evidenceBucket(SECONDARY)}/reports/${FAILOVER_NAME}/report.json\n`);
  });

  it("prints the report data with --json, taking the region from the ARN", async () => {
    const out = await drctl(["report", executionArn(SECONDARY, FAILOVER_NAME), "--json"]);

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(report);
    expect(JSON.parse(out.stdout).measurements).toEqual({
      outageStartedAt: "2025-06-01T12:00:00.000Z",
      outageStartBasis: "last-healthy-probe",
      detectionSeconds: null,
      dnsShiftSeconds: 53,
      rtoSeconds: 56,
      rpoExposureSeconds: 1.2,
      inDoubtWindow: { from: "2025-06-01T12:00:00.800Z", to: "2025-06-01T12:00:02.000Z" },
      replicationLagSeconds: 1.2,
      sentinelReplicationSeconds: null,
      failbackSeconds: null,
    });
  });

  it("fails with exit code 3 when there is no report", async () => {
    s3.on(GetObjectCommand).rejects(awsError("NoSuchKey", "The specified key does not exist.", 404));

    const out = await drctl(["report", "--region", "us-east-2", "manual-dry-run-drill-20250601T120000Z-alice", "--json"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: no report for manual-dry-run-drill-20250601T120000Z-alice in us-east-2: s3://payments-dr-evidence-us-east-2-prod/reports/manual-dry-run-drill-20250601T120000Z-alice/report.json does not exist\n" +
        "  hint: a report is written when a failover, failback or drill ends (dry-runs write none); check the execution name and --region\n",
    );
    expect(JSON.parse(out.stdout)).toEqual({
      error: {
        kind: "not-found",
        exitCode: 3,
        message:
          "no report for manual-dry-run-drill-20250601T120000Z-alice in us-east-2: s3://payments-dr-evidence-us-east-2-prod/reports/manual-dry-run-drill-20250601T120000Z-alice/report.json does not exist",
      },
    });
  });

  it("rejects an object that is not a payments-dr report", async () => {
    s3.on(GetObjectCommand).resolves(body(JSON.stringify({ kind: "something-else" })));

    const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      `drctl: s3://${evidenceBucket(SECONDARY)}/reports/${FAILOVER_NAME}/report.json is not a payments-dr run report (kind/schemaVersion)\n`,
    );
    expect(out.stdout).toBe("");
  });

  it("fails with exit code 3 and a clear message when the bucket read is denied", async () => {
    s3.on(GetObjectCommand).rejects(awsError("AccessDenied", "Access Denied", 403));

    const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: s3:GetObject in us-east-2: access denied (AccessDenied: Access Denied)\n  hint: your role lacks this permission; docs/cli.md lists what drctl needs\n",
    );
  });

  it("rejects a region outside the stack before any AWS call", async () => {
    const out = await drctl(["report", "--region", "eu-west-1", FAILOVER_NAME]);

    expect(out.code).toBe(2);
    expect(allCalls()).toBe(0);
  });
});
