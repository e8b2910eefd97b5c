/**
 * The stack the offline evaluation (tests, `npm start`) deploys: the zone created by the stack from
 * a reusable delegation set the offline account has (config refuses a created zone without one).
 * Its own module so that code which only names the config (jest's global setup) does not load Pulumi.
 */
export const DEFAULT_OFFLINE_CONFIG = { hostedZoneName: "payments.example.com", delegationSetId: "N0123456789EXAMPLE" };
