import { createHash } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { AppliedChangeRef } from "../domain/guards.ts";
import { journalIdPrefix } from "../domain/journal-query.ts";
import {
  assembleRecord,
  countsAsChange,
  type JournalRecord,
  type JournalStepEntry,
} from "../domain/journal-record.ts";
import type { ClaimRequest, ClaimResult, Journal, RecentChangesQuery } from "../ports/journal.ts";
import { keyPages } from "./s3-listing.ts";

/** Records (or steps) read at once. */
const LIST_READ_CONCURRENCY = 16;

/**
 * Steps a record can have: maxChangesPerFinding is at most 1,000, plus the step that failed. A
 * record naming more (planted) is not read past this; its seal check fails on the count.
 */
const MAX_STEPS = 1001;

/** IAM actions the journal calls: objects in the journal bucket, and listing it. */
export const JOURNAL_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"];

/** Where the decision records and their appended steps are: what a reader (list, get) needs. */
export const JOURNAL_READ_PREFIXES = ["records/", "steps/"];
const [JOURNAL_RECORDS_PREFIX, JOURNAL_STEPS_PREFIX] = JOURNAL_READ_PREFIXES as [string, string];

/** IAM actions `list` and `get` call: a read-only journal user (the hourly digest). */
export const JOURNAL_READ_ACTIONS = ["s3:GetObject", "s3:ListBucket"];

/**
 * Journal in an S3 bucket:
 * - records/<id>.json                          one object per decision; for a step-logged record
 *                                              its header (written when applying starts and when
 *                                              the run concludes, never per step)
 * - steps/<id>/<seq>.json                      a step-logged record's steps, one small object each,
 *                                              appended as they happen (seq zero-padded)
 * - by-resource/<sha256(arn)>/<ts>_<id>_n<changes>_<finding>   empty index objects for runs that
 * - by-account/<account>/<ts>_<id>_n<changes>_<finding>      changed something, listed by prefix
 *   from a time; <changes> is the run's planned change count (the rate limit counts changes)
 * - claims/<sha256(key)>.json                  idempotency claims
 *
 * Claims rely on S3 conditional writes: PutObject with If-None-Match "*" creates the claim only if
 * no object exists (exactly one concurrent caller wins, the others get 412), and If-Match <etag>
 * takes over an abandoned claim or settles/releases one only if nobody changed it since it was read.
 */
export class S3Journal implements Journal {
  /** Records already indexed by this container (a record is written more than once). */
  private readonly indexed = new Set<string>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = "",
  ) {}

  async record(entry: JournalRecord): Promise<void> {
    assertSafeId(entry.id);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.recordKey(entry.id),
        Body: JSON.stringify(entry),
        ContentType: "application/json",
      }),
    );
    if (countsAsChange(entry)) await this.index(entry);
  }

  async appendStep(record: JournalRecord, entry: JournalStepEntry): Promise<void> {
    assertSafeId(record.id);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.stepKey(record.id, entry.seq),
        Body: JSON.stringify(entry),
        ContentType: "application/json",
      }),
    );
    // The rate limit and the loop breaker count the run from its first applied change on.
    if (entry.step.status === "applied") await this.index(record);
  }

  async get(id: string): Promise<JournalRecord | undefined> {
    assertSafeId(id);
    const text = await this.getText(this.recordKey(id));
    return text === undefined ? undefined : this.assembled(JSON.parse(text.body) as JournalRecord);
  }

  async *list(since: number): AsyncIterable<JournalRecord> {
    const prefix = `${this.prefix}${JOURNAL_RECORDS_PREFIX}`;
    // Ids start with their UTC second, so listing starts at `since` (the prefix itself is no
    // key: records of that very second sort after it).
    const listing = {
      Bucket: this.bucket,
      Prefix: prefix,
      StartAfter: `${prefix}${journalIdPrefix(since)}`,
    };
    for await (const page of keyPages(this.s3, listing)) {
      const keys = page.filter((key) => key.endsWith(".json"));
      // A page holds up to 1,000 records: read them a few at a time, in order.
      for (let i = 0; i < keys.length; i += LIST_READ_CONCURRENCY) {
        const texts = await Promise.all(
          keys.slice(i, i + LIST_READ_CONCURRENCY).map((key) => this.getText(key)),
        );
        for (const text of texts) {
          if (text) yield await this.assembled(JSON.parse(text.body) as JournalRecord);
        }
      }
    }
  }

  async recentChanges(query: RecentChangesQuery): Promise<AppliedChangeRef[]> {
    const folder = query.resourceArn
      ? `by-resource/${sha256(query.resourceArn)}/`
      : query.account
        ? `by-account/${query.account}/`
        : undefined;
    if (!folder) throw new Error("recentChanges needs an account or a resourceArn");
    const prefix = `${this.prefix}${folder}`;
    const changes: AppliedChangeRef[] = [];
    // Keys start with the zero-padded time, so listing starts at `since`.
    const listing = {
      Bucket: this.bucket,
      Prefix: prefix,
      StartAfter: `${prefix}${paddedTime(query.since - 1)}~`,
    };
    for await (const page of keyPages(this.s3, listing)) {
      for (const key of page) {
        const change = parseIndexName(key.slice(prefix.length));
        if (change && change.time >= query.since) changes.push(change);
      }
    }
    return changes;
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    const objectKey = this.claimKey(key);
    const body = JSON.stringify({
      key,
      holder: request.holder,
      claimedAt: new Date(request.now).toISOString(),
      leaseUntil: request.now + request.leaseMs,
    } satisfies StoredClaim);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.conditionalPut(objectKey, body, { IfNoneMatch: "*" }))
        return { claimed: true };
      const existing = await this.readClaim(objectKey);
      if (!existing) continue; // released between our write and read: try again
      const { claim, etag } = existing;
      // No run asks for a lease longer than leaseMs: a claim running much further out (twice that,
      // leaving room for concurrent runs whose clocks read a little apart) was not written by one
      // (planted to block the finding) and is taken over like an abandoned one.
      const planted =
        claim.leaseUntil !== null && claim.leaseUntil > request.now + 2 * request.leaseMs;
      if (!planted && (claim.leaseUntil === null || claim.leaseUntil > request.now)) {
        return { claimed: false, holder: claim.holder, settled: claim.leaseUntil === null };
      }
      // The holder's lease ran out without settling: take over, unless someone else did first.
      if (await this.conditionalPut(objectKey, body, { IfMatch: etag })) return { claimed: true };
    }
    throw Object.assign(new Error(`could not claim ${key}: concurrent writers kept conflicting`), {
      name: "ClaimContention",
      $retryable: {},
    });
  }

  async settle(key: string, holder: string): Promise<void> {
    const objectKey = this.claimKey(key);
    const existing = await this.readClaim(objectKey);
    if (existing?.claim.holder !== holder || existing.claim.leaseUntil === null) return;
    const settled: StoredClaim = { ...existing.claim, leaseUntil: null };
    await this.conditionalPut(objectKey, JSON.stringify(settled), { IfMatch: existing.etag });
  }

  async release(key: string, holder: string): Promise<void> {
    const objectKey = this.claimKey(key);
    const existing = await this.readClaim(objectKey);
    if (existing?.claim.holder !== holder) return;
    try {
      await this.s3.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey, IfMatch: existing.etag }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error; // someone took it over meanwhile: keep theirs
    }
  }

  private recordKey(id: string): string {
    return `${this.prefix}${JOURNAL_RECORDS_PREFIX}${id}.json`;
  }

  private stepKey(id: string, seq: number): string {
    return `${this.prefix}${JOURNAL_STEPS_PREFIX}${id}/${String(seq).padStart(6, "0")}.json`;
  }

  /** Index entries for a run that changed something, once per record and container. */
  private async index(entry: JournalRecord): Promise<void> {
    if (this.indexed.has(entry.id)) return;
    const name = indexName(
      Date.parse(entry.time),
      entry.id,
      entry.findingId,
      entry.plan?.changes.length ?? entry.applied.length,
    );
    await Promise.all(
      [
        `by-resource/${sha256(entry.resourceArn)}/${name}`,
        `by-account/${entry.account}/${name}`,
      ].map((key) =>
        this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: `${this.prefix}${key}`,
            Body: new Uint8Array(0), // an empty string makes the SDK warn about unknown length
          }),
        ),
      ),
    );
    this.indexed.add(entry.id);
  }

  /**
   * A stored record as readers see it: a step-logged header with its steps read back. A concluded
   * run's steps are read by key (its sealed count says how many); one that never concluded (still
   * applying, or its run died) has its steps listed. Records sealed whole are returned as stored.
   */
  private async assembled(header: JournalRecord): Promise<JournalRecord> {
    if (!header.stepLog || header.stepLog.count === 0) return assembleRecord(header, []);
    assertSafeId(header.id);
    const count = header.stepLog.count;
    const keys =
      typeof count === "number"
        ? Array.from({ length: Math.min(count, MAX_STEPS) }, (_, seq) =>
            this.stepKey(header.id, seq),
          )
        : await this.listKeys(`${this.prefix}${JOURNAL_STEPS_PREFIX}${header.id}/`);
    const entries: JournalStepEntry[] = [];
    for (let i = 0; i < keys.length; i += LIST_READ_CONCURRENCY) {
      const texts = await Promise.all(
        keys.slice(i, i + LIST_READ_CONCURRENCY).map((key) => this.getText(key)),
      );
      // A missing step is left out: the record's seal check then sees it dropped.
      for (const text of texts) if (text) entries.push(JSON.parse(text.body) as JournalStepEntry);
    }
    return assembleRecord(header, entries);
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of keyPages(this.s3, { Bucket: this.bucket, Prefix: prefix })) {
      keys.push(...page);
      if (keys.length > MAX_STEPS) break;
    }
    return keys.slice(0, MAX_STEPS + 1);
  }

  private claimKey(key: string): string {
    return `${this.prefix}claims/${sha256(key)}.json`;
  }

  /** True when written; false when the condition failed (412) or a concurrent write conflicted (409). */
  private async conditionalPut(
    key: string,
    body: string,
    condition: { IfNoneMatch: "*" } | { IfMatch: string },
  ): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  private async readClaim(key: string): Promise<{ claim: StoredClaim; etag: string } | undefined> {
    const object = await this.getText(key);
    if (!object?.etag) return undefined;
    return { claim: JSON.parse(object.body) as StoredClaim, etag: object.etag };
  }

  private async getText(key: string): Promise<{ body: string; etag?: string } | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = (await result.Body?.transformToString("utf8")) ?? "";
      return { body, ...(result.ETag ? { etag: result.ETag } : {}) };
    } catch (error) {
      if ((error as { name?: string }).name === "NoSuchKey") return undefined;
      throw error;
    }
  }
}

interface StoredClaim {
  key: string;
  holder: string;
  claimedAt: string;
  /** Epoch ms; null once settled (permanent). */
  leaseUntil: number | null;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Ids become object keys: no slashes, dots or underscores (the index name separator). */
function assertSafeId(id: string): void {
  if (!/^[A-Za-z0-9-]{1,128}$/.test(id)) throw new Error(`invalid journal id "${id}"`);
}

function paddedTime(ms: number): string {
  return String(Math.max(0, ms)).padStart(15, "0");
}

function indexName(time: number, journalId: string, findingId: string, changes: number): string {
  return `${paddedTime(time)}_${journalId}_n${changes}_${encodeURIComponent(findingId)}`;
}

/** Entries written before the change count was kept (`<ts>_<id>_<finding>`) count as one change. */
function parseIndexName(name: string): AppliedChangeRef | undefined {
  const match = /^(\d{15})_([A-Za-z0-9-]+)_(?:n(\d{1,6})_)?(.+)$/.exec(name);
  if (!match) return undefined;
  return {
    time: Number(match[1]),
    journalId: match[2] as string,
    findingId: decodeURIComponent(match[4] as string),
    changes: match[3] === undefined ? 1 : Number(match[3]),
  };
}

/** 412: the condition did not hold. 409: S3 saw a concurrent conditional write on the key. */
export function isConditionalFailure(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === "PreconditionFailed" ||
    e.name === "ConditionalRequestConflict" ||
    e.$metadata?.httpStatusCode === 412 ||
    e.$metadata?.httpStatusCode === 409
  );
}
