/**
 * The stack configuration a rehearsal evaluates the Pulumi program with: the defaults
 * (DEFAULT_OFFLINE_CONFIG), a stack file (`--stack-file Pulumi.<stack>.yaml`) and `--config
 * <key>=<value>` flags on top, in that order.
 *
 * Values go through the same functions the program uses on a real stack (infra/core/config.ts):
 * `rawConfigFromStack` decodes them as Pulumi hands them over (every value a string, JSON decoded
 * except for the string keys) and `parseConfig` validates them, so the rehearsal refuses exactly
 * what `pulumi up` would refuse, with the same messages (key, value, what is allowed). Everything
 * is checked before anything is evaluated; a problem is a usage error (exit code 2).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseDocument } from "yaml";
import { CONFIG_KEYS, CONFIG_NAMESPACE, ConfigError, parseConfig, rawConfigFromStack, type DrConfig } from "../../infra/core/config";
import { DEFAULT_OFFLINE_CONFIG } from "../../infra/offline/evaluate";

/** The stack the rehearsal evaluates when no stack file names one. */
export const DEFAULT_STACK = "dev";

/** Valid stack settings the simulated world cannot stand in for yet, and why. */
const NOT_REHEARSED: Partial<Record<keyof DrConfig, string>> = {
  hostedZoneId:
    "the rehearsal simulates the zone the stack creates, not an existing one; leave it out to rehearse (the zone's name still comes from hostedZoneName)",
};

/** One `--config <key>=<value>`: the key without namespace and the value as typed. */
export interface ConfigAssignment {
  key: string;
  value: string;
}

/** A configuration problem in what the user gave: exit code 2, nothing run. */
export class ConfigFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigFlagError";
  }
}

const allowedKeys = () => `Allowed keys (docs/configuration.md): ${CONFIG_KEYS.join(", ")}`;

function checkKey(key: string, where: string): void {
  if (!CONFIG_KEYS.includes(key)) throw new ConfigFlagError(`Unknown config key "${key}" (${where}). ${allowedKeys()}`);
}

/** Parses the text of one `--config` flag: `<key>=<value>`, the key known to infra/core/config.ts. */
export function parseConfigAssignment(text: string): ConfigAssignment {
  const at = text.indexOf("=");
  if (at <= 0)
    throw new ConfigFlagError(
      `--config ${JSON.stringify(text)} is not <key>=<value> (e.g. --config healthCheckIntervalSeconds=30). ${allowedKeys()}`,
    );
  const given = text.slice(0, at).trim();
  // `payments-dr:key`, as in a stack file, is accepted too.
  const key = given.startsWith(`${CONFIG_NAMESPACE}:`) ? given.slice(CONFIG_NAMESPACE.length + 1) : given;
  checkKey(key, `--config ${text}`);
  return { key, value: text.slice(at + 1) };
}

/** The stack a file such as `Pulumi.prod.yaml` configures (Pulumi's naming), else the default one. */
export function stackNameOf(path: string): string {
  return /^Pulumi\.([^.]+)\.ya?ml$/.exec(basename(path))?.[1] ?? DEFAULT_STACK;
}

/**
 * The `payments-dr:*` entries of a Pulumi stack file's `config:` map, each value in the string
 * form Pulumi gives the program (a string as is, anything else as JSON — what `pulumi config set
 * --json` stores). Keys of other namespaces (`aws:region`, ...) are not this program's and are skipped.
 */
export function readStackFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigFlagError(`Cannot read --stack-file ${path}: ${(error as Error).message}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigFlagError(`--stack-file ${path} is not valid YAML: ${doc.errors[0].message}`);
  const root: unknown = doc.toJS();
  const config = isRecord(root) ? root.config : undefined;
  if (!isRecord(config)) {
    throw new ConfigFlagError(
      `--stack-file ${path} has no "config:" map; a Pulumi stack file has one, e.g. Pulumi.example.yaml: config: { ${CONFIG_NAMESPACE}:hostedZoneName: payments.example.com, ... }`,
    );
  }
  const out: Record<string, string> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    const colon = fullKey.indexOf(":");
    if (colon <= 0)
      throw new ConfigFlagError(`--stack-file ${path}: config key "${fullKey}" has no namespace; write ${CONFIG_NAMESPACE}:${fullKey}`);
    if (fullKey.slice(0, colon) !== CONFIG_NAMESPACE) continue;
    checkKey(fullKey.slice(colon + 1), `in --stack-file ${path}`);
    out[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

export interface RehearsalConfig {
  /** The Pulumi stack evaluated (the default environment). */
  stack: string;
  /** `payments-dr:*` keys without namespace, decoded, for evaluateProgram. */
  config: Record<string, unknown>;
  /** The validated configuration, defaults filled in. */
  resolved: DrConfig;
  /** The keys whose value differs from the rehearsal's default, with where each came from. */
  nonDefault: { key: string; value: unknown; source: string }[];
}

/**
 * Defaults, then the stack file, then the `--config` flags (the last of a key wins), validated as
 * the program validates its stack. Throws a ConfigFlagError naming every bad key and value.
 */
export function rehearsalConfig(options: { config?: ConfigAssignment[]; stackFile?: string }): RehearsalConfig {
  const stack = options.stackFile ? stackNameOf(options.stackFile) : DEFAULT_STACK;
  const fromFile = options.stackFile ? readStackFile(options.stackFile) : undefined;
  const strings: Record<string, string> = fromFile ?? rawStrings(DEFAULT_OFFLINE_CONFIG);
  const source = new Map<string, string>(
    Object.keys(strings).map((k) => [k.slice(CONFIG_NAMESPACE.length + 1), fromFile ? basename(options.stackFile!) : "default"]),
  );
  for (const { key, value } of options.config ?? []) {
    strings[`${CONFIG_NAMESPACE}:${key}`] = value;
    source.set(key, "--config");
  }
  const config = rawConfigFromStack(strings);
  let resolved: DrConfig;
  try {
    resolved = parseConfig(config, stack);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const from = (problem: string) => {
      const key = new RegExp(`^${CONFIG_NAMESPACE}:(\\w+)`).exec(problem)?.[1];
      const where = key && source.get(key);
      return where && where !== "default" ? `${problem} [from ${where}]` : problem;
    };
    throw new ConfigFlagError(
      `Invalid configuration for the rehearsal (${CONFIG_NAMESPACE}:* keys, docs/configuration.md):\n  - ${error.problems.map(from).join("\n  - ")}`,
    );
  }
  for (const [key, why] of Object.entries(NOT_REHEARSED)) {
    if (resolved[key as keyof DrConfig] !== undefined) {
      throw new ConfigFlagError(
        `${CONFIG_NAMESPACE}:${key} = ${JSON.stringify(resolved[key as keyof DrConfig])} [from ${source.get(key)}]: valid for the stack, but ${why}`,
      );
    }
  }
  const defaults = parseConfig(DEFAULT_OFFLINE_CONFIG, stack) as Record<string, unknown>;
  const nonDefault = Object.entries(resolved as Record<string, unknown>)
    .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(defaults[key]))
    .map(([key, value]) => ({ key, value, source: source.get(key) ?? "default" }));
  return { stack, config, resolved, nonDefault };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function rawStrings(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [`${CONFIG_NAMESPACE}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** The plan stage's line about the configuration in use. */
export function renderConfiguration(c: RehearsalConfig): string {
  if (c.nonDefault.length === 0) {
    return `Configuration: the defaults (docs/configuration.md); rehearse another with --config <key>=<value> or --stack-file <path>`;
  }
  const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const bySource = new Map<string, string[]>();
  for (const { key, value, source } of c.nonDefault) bySource.set(source, [...(bySource.get(source) ?? []), `${key}=${show(value)}`]);
  return `Configuration (not the defaults): ${[...bySource].map(([source, items]) => `${items.join(", ")} (${source})`).join("; ")}; every other key at its default`;
}
