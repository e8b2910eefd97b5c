/**
 * AWS Backup through the SDK: DescribeRegionSettings only (what `drctl preflight` asks), answered
 * from the account's settings in the client's region (account.ts). Shape as the API reference
 * gives it: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html
 * (GET /account-settings, no input; two String-to-boolean maps).
 */
import * as backup from "@aws-sdk/client-backup";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";

export function installBackupFake(b: () => SdkBackend): void {
  installFake(
    {
      service: "backup",
      module: backup as unknown as Record<string, unknown>,
      client: backup.BackupClient,
      commands: [
        [
          backup.DescribeRegionSettingsCommand,
          (_i, info) => {
            const settings = b().account.backupSettings(info.region);
            return { ResourceTypeOptInPreference: { ...settings.optIn }, ResourceTypeManagementPreference: { ...settings.management } };
          },
        ],
      ],
    },
    b,
  );
}
