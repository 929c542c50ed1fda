/**
 * Issue 14 item 8: the journal rewrote the whole record after every step, so a finding with many
 * changes wrote O(n²) bytes (1,000 changes timed the 120 s Lambda out half-applied), and steps
 * are now stored one sealed object each, so a dropped or edited step object must not make undo
 * restore a different set of changes. Replayed against moto through the real wiring. Part of
 * ATTACKS (attacks.ts), so the tests and `npm run resilience` replay them.
 */
import { AttachUserPolicyCommand, CreatePolicyCommand } from "@aws-sdk/client-iam";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import type { JournalStepEntry } from "../../src/domain/journal-record.ts";
import {
  ADMIN,
  ADMIN_DOCUMENT,
  attachedTo,
  configEvent,
  createWorld,
  JOURNAL,
  user,
  type World,
} from "./attack-world.ts";
import type { Attack } from "./attacks.ts";

/** `count` users holding the admin policy, then one policy finding that detaches it from all. */
async function detachFromMany(world: World, count: number) {
  await world.iam.send(
    new CreatePolicyCommand({ PolicyName: "acme-admin", PolicyDocument: ADMIN_DOCUMENT }),
  );
  const users = Array.from({ length: count }, (_, i) => `analyst-${String(i).padStart(3, "0")}`);
  for (const name of users) {
    await user(world, name);
    await world.iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: ADMIN }));
  }
  const outcome = await world.handle(
    configEvent("iam-policy-no-statements-with-admin-access", "AWS::IAM::Policy", ADMIN),
  );
  if (outcome.outcome !== "applied" || !("journalId" in outcome)) {
    throw new Error(`setup: expected the admin policy detached, got ${outcome.outcome}`);
  }
  return { users, journalId: outcome.journalId };
}

async function usersHolding(world: World, users: string[]): Promise<number> {
  let holding = 0;
  for (const name of users) if ((await attachedTo(world, name)).includes(ADMIN)) holding++;
  return holding;
}

const stepKey = (id: string, seq: number) => `steps/${id}/${String(seq).padStart(6, "0")}.json`;

async function readStep(world: World, id: string, seq: number): Promise<JournalStepEntry> {
  const object = await world.s3.send(
    new GetObjectCommand({ Bucket: JOURNAL, Key: stepKey(id, seq) }),
  );
  return JSON.parse((await object.Body?.transformToString()) ?? "{}") as JournalStepEntry;
}

/** Undo with --force (the policy is admin-class): blocked when it refuses and re-grants nothing. */
async function undoBlocked(world: World, id: string, users: string[]) {
  const { code, text } = await world.undo(id, { force: true, reason: "restore the analysts" });
  const holding = await usersHolding(world, users);
  return {
    blocked: code !== 0 && holding === 0,
    detail: `exit ${code}: ${text}; ${holding}/${users.length} users hold the admin policy again`,
  };
}

const ENFORCE_MANY = {
  defaultMode: "enforce",
  rateLimit: { maxChanges: 1000, maxChangesPerFinding: 200 },
} as const;

export const JOURNAL_ATTACKS: readonly Attack[] = [
  {
    item: 8,
    name: "a finding of 60 changes rewrites the whole journal record after every step (O(n²) bytes)",
    async replay(endpoint) {
      const world = await createWorld(endpoint, ENFORCE_MANY);
      await world.s3.send(
        new PutBucketVersioningCommand({
          Bucket: JOURNAL,
          VersioningConfiguration: { Status: "Enabled" },
        }),
      );
      const { users, journalId } = await detachFromMany(world, 60);
      // Every version of the run's record and steps: the bytes the run wrote to the journal.
      let written = 0;
      let writes = 0;
      for (const prefix of [`records/${journalId}`, `steps/${journalId}/`]) {
        let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
        for (;;) {
          const page = await world.s3.send(
            new ListObjectVersionsCommand({ Bucket: JOURNAL, Prefix: prefix, ...marker }),
          );
          for (const version of page.Versions ?? []) {
            written += version.Size ?? 0;
            writes++;
          }
          if (!page.IsTruncated) break;
          marker = {
            ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}),
            ...(page.NextVersionIdMarker ? { VersionIdMarker: page.NextVersionIdMarker } : {}),
          };
        }
      }
      const record = await world.app.runner.journal.get(journalId);
      const size = Buffer.byteLength(JSON.stringify(record ?? {}));
      const holding = await usersHolding(world, users);
      const ratio = written / size;
      return {
        // A rewrite per step writes ~n/2 times the record; appending writes it a few times.
        blocked: record?.applied.length === users.length && holding === 0 && ratio < 4,
        detail: `${writes} journal writes, ${written} bytes for a ${size}-byte record (${ratio.toFixed(1)}×); ${record?.applied.length ?? 0} changes journaled, ${holding} users still hold the policy`,
      };
    },
  },
  {
    item: 8,
    name: "a dropped step object: undo restores only part of a run and says undone",
    async replay(endpoint) {
      const world = await createWorld(endpoint, ENFORCE_MANY);
      const { users, journalId } = await detachFromMany(world, 3);
      await world.s3.send(new DeleteObjectCommand({ Bucket: JOURNAL, Key: stepKey(journalId, 1) }));
      return undoBlocked(world, journalId, users);
    },
  },
  {
    item: 8,
    name: "an edited step object: undo restores one change twice and another never",
    async replay(endpoint) {
      const world = await createWorld(endpoint, ENFORCE_MANY);
      const { users, journalId } = await detachFromMany(world, 3);
      const step = await readStep(world, journalId, 2);
      step.step.index = 0;
      await world.plant(stepKey(journalId, 2), step);
      return undoBlocked(world, journalId, users);
    },
  },
];
