/** AWS FIS experiment templates (B13: drills exercise the real path safely). */
import * as aws from "@pulumi/aws";
import { parseArn } from "../lib/arn";
import { forType, resourceRule } from "../lib/rule";

export const fisStopConditions = resourceRule(
  {
    id: "B13",
    name: "fis-stop-condition",
    title:
      "Every FIS experiment template stops on at least one CloudWatch alarm of its own region (never `none`), fails rather than injecting nothing when its targets resolve to nothing, and logs its experiments.",
    sources:
      "AWS FIS stop conditions (https://docs.aws.amazon.com/fis/latest/userguide/stop-conditions.html); FIS experiment options and experiment logging; Security Hub FIS.1-style guidance (ElectricEye FIS.2); REL12-BP04",
  },
  forType(aws.fis.ExperimentTemplate, (t, report) => {
    const conditions = t.stopConditions ?? [];
    if (conditions.length === 0) report("the template has no stop condition: nothing stops the experiment when customers are hurt");
    for (const c of conditions) {
      if (c.source !== "aws:cloudwatch:alarm") {
        report(`stop condition source "${c.source}": only a CloudWatch alarm (aws:cloudwatch:alarm) stops an experiment`);
        continue;
      }
      const arn = parseArn(c.value);
      if (arn?.service !== "cloudwatch" || !arn.resource.startsWith("alarm:"))
        report(`stop condition ${c.value ?? "(no value)"} is not a CloudWatch alarm ARN`);
      else if (t.region && arn.region !== t.region)
        report(
          `stop condition ${c.value} is an alarm in ${arn.region}; the experiment runs in ${t.region} and must stop on an alarm there`,
        );
    }
    if (t.experimentOptions?.emptyTargetResolutionMode !== "fail")
      report(
        'emptyTargetResolutionMode is not "fail": an experiment whose targets resolve to nothing would complete having injected nothing',
      );
    const logs = t.logConfiguration;
    if (!logs?.cloudwatchLogsConfiguration?.logGroupArn && !logs?.s3Configuration?.bucketName)
      report("the template logs its experiments nowhere (logConfiguration: CloudWatch Logs or S3)");
  }),
);

export const fisRules = [fisStopConditions];
