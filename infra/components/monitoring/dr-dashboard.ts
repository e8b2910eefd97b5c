import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DataConsistency } from "../../core/config";
import { dashboardName, drDashboardBody } from "../../core/dashboard";

export interface DrDashboardArgs {
  region: string;
  peerRegion: string;
  primaryRegion: string;
  secondaryRegion: string;
  environment: string;
  tableNames: string[];
  dataConsistency: DataConsistency;
  /** Route 53 health checks by role (primaryEndpoint, secondaryEndpoint, primaryGuard...). */
  healthCheckIds: pulumi.Input<Record<string, pulumi.Input<string>>>;
  alarmArns: pulumi.Input<string>[];
  stateMachineArn: pulumi.Input<string>;
  apiName: string;
  writeFunctionName: string;
}

/** One region's DR dashboard: health, fence, replication, heartbeats, alarms and executions. */
export class DrDashboard extends pulumi.ComponentResource {
  readonly dashboardName: string;

  constructor(name: string, args: DrDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:monitoring:DrDashboard", name, {}, opts);
    this.dashboardName = dashboardName(args.region, args.environment);
    new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        region: args.region,
        dashboardName: this.dashboardName,
        dashboardBody: pulumi
          .all([pulumi.output(args.healthCheckIds), pulumi.all(args.alarmArns), args.stateMachineArn])
          .apply(([checks, alarmArns, machineArn]) =>
            drDashboardBody({
              region: args.region,
              peerRegion: args.peerRegion,
              primaryRegion: args.primaryRegion,
              secondaryRegion: args.secondaryRegion,
              environment: args.environment,
              tableNames: args.tableNames,
              dataConsistency: args.dataConsistency,
              healthCheckIds: checks as { primaryEndpoint: string; secondaryEndpoint: string; primaryGuard?: string },
              alarmArns,
              stateMachineArn: machineArn,
              apiName: args.apiName,
              writeFunctionName: args.writeFunctionName,
            }),
          ),
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
