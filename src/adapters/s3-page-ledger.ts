import { createHash } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { FoldedIncident, OpenStorm, PageLedger, ResourceNote } from "../ports/page-ledger.ts";
import { isConditionalFailure } from "./s3-journal.ts";
import { keyPages } from "./s3-listing.ts";

/** Where the ledger lives in the journal bucket: the detect roles may write only under it. */
export const PAGE_LEDGER_PREFIX = "alerts/";

/** IAM actions the ledger calls, on objects under PAGE_LEDGER_PREFIX and listing it. */
export const PAGE_LEDGER_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:ListBucket",
];

/**
 * Page slots and open storms in the journal bucket, under alerts/:
 * - alerts/pages/<scope>/<hour>/<n>                 slot n of the hour's budget (0 … budget-1)
 * - alerts/storms/<scope>/<hour>/open               the hour had a storm, not resolved yet
 * - alerts/storms/<scope>/<hour>/folded/<sha256>    one incident folded into it, still open
 * - alerts/remediation-digests/<scope>/<hour>      the hour's event remediation digest was sent
 *                                                   (or is being sent) by the run that created it
 * - alerts/resources/<scope>/<sha256(resource)>/<time>-<sha256(ref)>.json
 *                                                   what a remediation or an anomaly said about a
 *                                                   resource, so the other side can link to it
 *
 * A slot is taken with PutObject If-None-Match "*": of concurrent writers exactly one creates it
 * (the others get 412 and try the next slot), so the budget holds across runs, shards and the
 * remediation functions. An object planted to burn the slots can only fold pages into the storm,
 * which always pages: it cannot silence anything.
 */
export class S3PageLedger implements PageLedger {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async takePage(scope: string, hour: string, budget: number, holder: string): Promise<boolean> {
    for (let n = 0; n < budget; n++) {
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: `${this.hourPrefix("pages", scope, hour)}${n}`,
            Body: JSON.stringify({ holder }),
            ContentType: "application/json",
            IfNoneMatch: "*",
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
    }
    return false;
  }

  async noteFolded(scope: string, hour: string, folded: readonly FoldedIncident[]): Promise<void> {
    const prefix = this.hourPrefix("storms", scope, hour);
    // The marker first: a run that stops half-way leaves a storm that resolves, never a lost one.
    await this.put(`${prefix}open`, "{}");
    for (const f of folded) {
      await this.put(`${prefix}folded/${sha256(f.incident)}.json`, JSON.stringify(f));
    }
  }

  async openStorms(scope: string, before: string): Promise<OpenStorm[]> {
    const prefix = `${PAGE_LEDGER_PREFIX}storms/${safe(scope)}/`;
    const byHour = new Map<string, { open: boolean; folded: string[] }>();
    for await (const page of keyPages(this.s3, { Bucket: this.bucket, Prefix: prefix })) {
      for (const key of page) {
        const [hour, kind] = key.slice(prefix.length).split("/");
        if (!hour || !kind || hour >= before) continue;
        const entry = byHour.get(hour) ?? { open: false, folded: [] };
        if (kind === "open") entry.open = true;
        else if (kind === "folded") entry.folded.push(key);
        byHour.set(hour, entry);
      }
    }
    const storms: OpenStorm[] = [];
    for (const [hour, entry] of [...byHour.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (!entry.open) continue;
      const folded = await Promise.all(entry.folded.map((key) => this.getJson(key)));
      storms.push({
        hour,
        folded: folded.filter((f): f is FoldedIncident => f !== undefined),
      });
    }
    return storms;
  }

  async dropFolded(scope: string, hour: string, incidents: readonly string[]): Promise<void> {
    const prefix = this.hourPrefix("storms", scope, hour);
    for (const incident of incidents) {
      await this.s3.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: `${prefix}folded/${sha256(incident)}.json`,
        }),
      );
    }
  }

  async closeStorm(scope: string, hour: string): Promise<void> {
    await this.s3.send(
      new DeleteObjectCommand({
        Bucket: this.bucket,
        Key: `${this.hourPrefix("storms", scope, hour)}open`,
      }),
    );
  }

  async noteResource(scope: string, resource: string, note: ResourceNote): Promise<void> {
    await this.put(
      `${this.resourcePrefix(scope, resource)}${String(note.time).padStart(15, "0")}-${sha256(note.ref).slice(0, 16)}.json`,
      JSON.stringify(note),
    );
  }

  async resourceNotes(scope: string, resource: string, since: number): Promise<ResourceNote[]> {
    const prefix = this.resourcePrefix(scope, resource);
    const keys: string[] = [];
    // Keys start with the zero-padded time: listing starts at `since`.
    const listing = {
      Bucket: this.bucket,
      Prefix: prefix,
      StartAfter: `${prefix}${String(Math.max(0, since - 1)).padStart(15, "0")}~`,
    };
    for await (const page of keyPages(this.s3, listing)) keys.push(...page);
    // The newest few are enough to link to.
    const notes = await Promise.all(keys.slice(-10).map((key) => this.getNote(key)));
    return notes.filter((n): n is ResourceNote => n !== undefined && n.time >= since);
  }

  async claimDigest(scope: string, hour: string, holder: string): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.digestKey(scope, hour),
          Body: JSON.stringify({ holder }),
          ContentType: "application/json",
          IfNoneMatch: "*",
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  async releaseDigest(scope: string, hour: string): Promise<void> {
    await this.s3.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.digestKey(scope, hour) }),
    );
  }

  private digestKey(scope: string, hour: string): string {
    return this.hourPrefix("remediation-digests", scope, hour).slice(0, -1);
  }

  private resourcePrefix(scope: string, resource: string): string {
    return `${PAGE_LEDGER_PREFIX}resources/${safe(scope)}/${sha256(resource)}/`;
  }

  private async getNote(key: string): Promise<ResourceNote | undefined> {
    const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const v = JSON.parse(
      (await result.Body?.transformToString("utf8")) ?? "null",
    ) as Partial<ResourceNote> | null;
    return (v?.kind === "remediation" || v?.kind === "anomaly") &&
      typeof v.ref === "string" &&
      typeof v.text === "string" &&
      typeof v.time === "number"
      ? (v as ResourceNote)
      : undefined;
  }

  private hourPrefix(
    kind: "pages" | "storms" | "remediation-digests",
    scope: string,
    hour: string,
  ): string {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour)) throw new Error(`invalid hour "${hour}"`);
    return `${PAGE_LEDGER_PREFIX}${kind}/${safe(scope)}/${hour}/`;
  }

  private async put(key: string, body: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
      }),
    );
  }

  private async getJson(key: string): Promise<FoldedIncident | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const parsed = JSON.parse(
        (await result.Body?.transformToString("utf8")) ?? "null",
      ) as unknown;
      return isFolded(parsed) ? parsed : undefined;
    } catch (error) {
      // Dropped by a concurrent run between the listing and the read.
      if ((error as { name?: string }).name === "NoSuchKey") return undefined;
      throw error;
    }
  }
}

function isFolded(value: unknown): value is FoldedIncident {
  const v = value as Partial<FoldedIncident> | null;
  return (
    typeof v?.incident === "string" &&
    Array.isArray(v.metrics) &&
    v.metrics.every((m) => typeof m === "string")
  );
}

/** Account ids and regions only: a scope becomes one path segment. */
function safe(scope: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(scope)) throw new Error(`invalid page scope "${scope}"`);
  return scope;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
