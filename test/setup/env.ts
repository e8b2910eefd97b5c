// Powertools reads POWERTOOLS_* at construction time, so these must be set before any handler
// module is imported. Tests stay silent and never try to reach X-Ray.
process.env.POWERTOOLS_DEV = "false";
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT";
process.env.POWERTOOLS_TRACE_DISABLED = "true";
// No X-Ray context tracking either (sim/lambda/loader.ts says why): no process-wide async hook.
process.env.AWS_XRAY_MANUAL_MODE = "true";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
process.env.AWS_REGION = process.env.AWS_REGION ?? "us-east-1";
process.env.AWS_ACCESS_KEY_ID = "test";
process.env.AWS_SECRET_ACCESS_KEY = "test";
