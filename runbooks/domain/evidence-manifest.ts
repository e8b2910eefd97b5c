/**
 * The evidence of a run, file by file, with SHA-256 digests: what `write-report` puts next to the
 * run report in the evidence bucket (versioned, Object Lock), and what the offline rehearsal
 * writes next to its simulated reports.
 *
 * A run's folder `reports/<execution>/` holds, in the order they are written:
 * - `report.json` — the run report (report.ts), the data;
 * - `report.md` — its Markdown rendering;
 * - `report.html` — the evidence page (report-html.ts), which lists the SHA-256 of the two above;
 * - `manifest.json` — an {@link EvidenceManifest}: who started and approved the run, what code
 *   and configuration ran, and the SHA-256 of the three files above (the page cannot carry its
 *   own digest).
 *
 * Digests are of the exact bytes stored (UTF-8). S3 computes the same SHA-256 on upload
 * (`ChecksumAlgorithm: SHA256`) and keeps it with the object version, base64-encoded: `aws s3api
 * head-object --checksum-mode ENABLED` shows it, so a reviewer can compare three ways — the page,
 * the manifest, S3's own record — and Object Lock keeps every version from being overwritten or
 * deleted during the retention period.
 */
import { createHash } from "node:crypto";

export const MANIFEST_KIND = "payments-dr/evidence-manifest";
export const MANIFEST_SCHEMA_VERSION = 1;

/** One evidence file and its digest. */
export interface EvidenceFile {
  /** The file name in the run's folder (`report.json`). */
  name: string;
  /** Where it is: the S3 key (a real run) or the path the rehearsal wrote it to. */
  location: string;
  bytes: number;
  /** SHA-256 of the stored bytes, lowercase hex (what `sha256sum` prints). */
  sha256: string;
  /** The same digest base64-encoded, as S3 reports it (`ChecksumSHA256`). */
  sha256Base64: string;
  /** The S3 object version written, when the writer got one (the evidence bucket is versioned). */
  versionId: string | null;
}

/** A fact about the code or configuration that ran; `value` null when it was not recorded. */
export interface ProvenanceFact {
  label: string;
  value: string | null;
  /** Where the value comes from, or why it is missing. */
  note: string;
}

/** Who started and approved a run, and what ran: what the evidence writer knew. */
export interface Provenance {
  /** The person or system that started the run, as the execution input names it. */
  startedBy: string | null;
  /** How it was started: an alarm, an operator, a drill in the other region. */
  startedHow: string;
  /** Change or incident ticket given at the start. */
  ticket: string | null;
  approval: {
    /** Whether the run waited for a person's approval (and why). */
    required: boolean;
    requiredBecause: string | null;
    /** The answer: true approved, false rejected, null none recorded. */
    approved: boolean | null;
    by: string | null;
    comment: string | null;
  };
  code: ProvenanceFact[];
  configuration: ProvenanceFact[];
  /** Which program wrote this evidence. */
  writtenBy: string;
}

export interface EvidenceManifest {
  kind: typeof MANIFEST_KIND;
  schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  execution: { name: string; id: string; region: string; mode: string };
  generatedAt: string;
  simulated: boolean;
  provenance: Provenance;
  files: EvidenceFile[];
  /** How to check the digests, for whoever opens the file. */
  verify: string;
}

/** The keys of the page and the manifest, next to `reportKeys` (report.ts) in the same folder. */
export function evidenceKeys(executionName: string): { html: string; manifest: string } {
  return { html: `reports/${executionName}/report.html`, manifest: `reports/${executionName}/manifest.json` };
}

/** Describes `body` (as it will be stored, UTF-8) as an evidence file. */
export function describeFile(name: string, location: string, body: string | Uint8Array, versionId: string | null = null): EvidenceFile {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const digest = createHash("sha256").update(bytes).digest();
  return {
    name,
    location,
    bytes: bytes.byteLength,
    sha256: digest.toString("hex"),
    sha256Base64: digest.toString("base64"),
    versionId,
  };
}

/** The files in `sha256sum` format: `sha256sum -c` checks them in a folder that holds them. */
export function sha256sumLines(files: readonly EvidenceFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.name}\n`).join("");
}

export const VERIFY_TEXT =
  "Download the run's folder, then check each file: `sha256sum <file>` must print the sha256 given here; " +
  "`aws s3api head-object --bucket <bucket> --key <location> --version-id <versionId> --checksum-mode ENABLED " +
  "--query ChecksumSHA256` must print sha256Base64 (S3 computed it on upload); `aws s3api get-object-retention` shows the lock.";

export function buildManifest(parts: {
  execution: EvidenceManifest["execution"];
  generatedAt: string;
  simulated: boolean;
  provenance: Provenance;
  files: EvidenceFile[];
}): EvidenceManifest {
  return { kind: MANIFEST_KIND, schemaVersion: MANIFEST_SCHEMA_VERSION, ...parts, verify: VERIFY_TEXT };
}

/** A light structural check for manifests read back (the rehearsal, drctl). */
export function isEvidenceManifest(value: unknown): value is EvidenceManifest {
  const v = value as Partial<EvidenceManifest> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.kind === MANIFEST_KIND &&
    v.schemaVersion === MANIFEST_SCHEMA_VERSION &&
    Array.isArray(v.files) &&
    typeof v.provenance === "object"
  );
}
