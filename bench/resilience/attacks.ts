/**
 * Issue 14's attacks, each replayed against moto_server through the real wiring, as an attacker
 * would try it. `blocked` is read from the resources (and, where the attack is silence, from who
 * was told), not from Vigil's own words. The tests (attacks.int.test.ts) and `npm run resilience`
 * both run this list.
 */

import {
  ConfigServiceClient,
  DeleteConfigRuleCommand,
  DescribeConfigRulesCommand,
  PutConfigRuleCommand,
} from "@aws-sdk/client-config-service";
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { sameDocument } from "../../src/domain/iam-policy.ts";
import {
  QUARANTINE_POLICY_DOCUMENT,
  quarantinePolicyDefinition,
} from "../../src/remediations/iam/iam-role-quarantine.ts";
import { isIgnored } from "../../src/usecases/intake.ts";
import { intakeConfigEvent } from "../../src/usecases/intake-config.ts";
import { claimKeyFor } from "../../src/usecases/remediation-claims.ts";
import {
  ACCOUNT,
  ADMIN,
  ADMIN_DOCUMENT,
  analyzerEvent,
  attachedTo,
  claimObjectKey,
  clientConfig,
  configEvent,
  createWorld,
  publicBucket,
  publicReadPolicy,
  REGION,
  T0,
  user,
  type World,
} from "./attack-world.ts";
import { EXEMPTION_ATTACKS } from "./attacks-exemptions.ts";
import { JOURNAL_ATTACKS } from "./attacks-journal.ts";
import { POLICY_ATTACKS } from "./attacks-policy.ts";
import { ROLE_ATTACKS } from "./attacks-roles.ts";

export interface AttackResult {
  blocked: boolean;
  /** What happened, for the test's failure message and the benchmark. */
  detail: string;
}

export interface Attack {
  /** The item (numbered "Why" list). */
  item: number;
  name: string;
  replay(endpoint: string): Promise<AttackResult>;
}

async function bpaFlags(world: World, bucket: string) {
  const output = await world.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
  return output.PublicAccessBlockConfiguration ?? {};
}

async function bucketPolicy(world: World, bucket: string): Promise<string | null> {
  try {
    return (await world.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? null;
  } catch {
    return null;
  }
}

/** A user with an admin policy, detached by Vigil for a user-level Config finding. */
async function adminDetachedFrom(world: World, userName: string) {
  await user(world, userName);
  await world.iam
    .send(new CreatePolicyCommand({ PolicyName: "acme-admin", PolicyDocument: ADMIN_DOCUMENT }))
    .catch(() => undefined); // already there
  await world.iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: ADMIN }));
  const arn = (await world.iam.send(new GetUserCommand({ UserName: userName }))).User?.Arn ?? "";
  const outcome = await world.handle(
    configEvent("iam-user-no-policies-check", "AWS::IAM::User", arn),
  );
  if (outcome.outcome !== "applied" || !("journalId" in outcome)) {
    throw new Error(`setup: expected the admin policy detached, got ${outcome.outcome}`);
  }
  return outcome.journalId;
}

const TRUST_ACCOUNT = (account: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "sts:AssumeRole",
      },
    ],
  });

/**
 * Deletes the managed rule `name` and creates a CUSTOM_LAMBDA rule under the same name, as someone
 * with config:PutConfigRule could; returns the new rule's ARN.
 */
async function customRuleNamed(world: World, name: string): Promise<string> {
  const config = new ConfigServiceClient(clientConfig(world.endpoint));
  const lambda = new LambdaClient(clientConfig(world.endpoint));
  await config.send(new DeleteConfigRuleCommand({ ConfigRuleName: name }));
  const role = await world.iam.send(
    new CreateRoleCommand({
      RoleName: "evil-rule-runner",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    }),
  );
  const fn = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: "evil-rule",
      Runtime: "nodejs22.x",
      Role: role.Role?.Arn,
      Handler: "index.handler",
      Code: { ZipFile: emptyZip() },
    }),
  );
  await config.send(
    new PutConfigRuleCommand({
      ConfigRule: {
        ConfigRuleName: name,
        Source: {
          Owner: "CUSTOM_LAMBDA",
          SourceIdentifier: fn.FunctionArn,
          SourceDetails: [
            {
              EventSource: "aws.config",
              MessageType: "ConfigurationItemChangeNotification",
            },
          ],
        },
      },
    }),
  );
  const described = await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [name] }));
  return described.ConfigRules?.[0]?.ConfigRuleArn ?? "";
}

/** The smallest valid zip archive (no entries): moto stores Lambda code without running it. */
function emptyZip(): Uint8Array {
  const zip = new Uint8Array(22);
  zip.set([0x50, 0x4b, 0x05, 0x06]);
  return zip;
}

async function inlinePolicy(world: World, role: string, name: string): Promise<string | null> {
  try {
    const output = await world.iam.send(
      new GetRolePolicyCommand({ RoleName: role, PolicyName: name }),
    );
    return decodeURIComponent(output.PolicyDocument ?? "");
  } catch {
    return null;
  }
}

/** A role assumable from `account` (optionally only with an ExternalId), with an optional path. */
async function externalRole(
  world: World,
  name: string,
  account: string,
  options: { path?: string; externalId?: string } = {},
): Promise<string> {
  const trust = JSON.parse(TRUST_ACCOUNT(account));
  if (options.externalId) {
    trust.Statement[0].Condition = { StringEquals: { "sts:ExternalId": options.externalId } };
  }
  const output = await world.iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify(trust),
      ...(options.path ? { Path: options.path } : {}),
    }),
  );
  return output.Role?.Arn ?? "";
}

/** Replays an Access Analyzer "assumable from outside" finding; reports quarantine and alerts. */
/** A public bucket and its Config event, with a claim planted by an unknown holder in the journal. */
async function publicBucketWithPlantedClaim(
  world: World,
  bucket: string,
  leaseUntil: number | null,
) {
  await publicBucket(world, bucket);
  const event = configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", bucket);
  const finding = await intakeConfigEvent(world.app.intakeDeps(), event);
  if (isIgnored(finding)) throw new Error(`setup: ${finding.reason}`);
  const key = claimKeyFor(finding, "enforce", false);
  await world.plant(claimObjectKey(key), {
    key,
    holder: "20261120T000000Z-00000bad",
    claimedAt: "2026-11-20T00:00:00.000Z",
    leaseUntil,
  });
  return event;
}

/** The role carries the stack's deny-all policy (or the inline one of earlier versions). */
async function isQuarantined(world: World, role: string): Promise<boolean> {
  const attached = await world.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
  const inline = await inlinePolicy(world, role, "vigil-quarantine-deny-all");
  return (
    (attached.AttachedPolicies ?? []).some((p) => p.PolicyArn === QUARANTINE_ARN) ||
    (inline !== null && sameDocument(inline, QUARANTINE_POLICY_DOCUMENT))
  );
}

const QUARANTINE_ARN = `arn:aws:iam::${ACCOUNT}:policy/vigil-quarantine/VigilQuarantineDenyAll`;

async function quarantineAttempt(world: World, role: string, account: string) {
  const arn = (await world.iam.send(new GetRoleCommand({ RoleName: role }))).Role?.Arn ?? "";
  const outcome = await world.handle(analyzerEvent(arn, { AWS: `arn:aws:iam::${account}:root` }));
  const quarantined = await isQuarantined(world, role);
  const told = world.notifier.sent.some((n) => n.subject.includes(role) || n.body.includes(role));
  return { outcome, quarantined, told };
}

export const ATTACKS: readonly Attack[] = [
  // Items 4, 9 and 12 (policy semantics): bench/resilience/attacks-policy.ts.
  ...POLICY_ATTACKS,
  ...ROLE_ATTACKS,
  ...JOURNAL_ATTACKS,
  ...EXEMPTION_ATTACKS,
  {
    item: 1,
    name: "forged journal record: undo attaches AdministratorAccess to an arbitrary user",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      // A real, sealed record to copy from (the attacker can read the journal bucket).
      const real = await world.record(await adminDetachedFrom(world, "etl-runner"));
      await user(world, "mallory");
      const forged = JSON.parse(
        JSON.stringify(real)
          .replaceAll("etl-runner", "mallory")
          .replaceAll(real.id, "20261120T100500Z-0000f00d"),
      );
      await world.plant("records/20261120T100500Z-0000f00d.json", forged);
      const { code, text } = await world.undo("20261120T100500Z-0000f00d", {
        force: true,
        reason: "routine",
      });
      const attached = await attachedTo(world, "mallory");
      return {
        blocked: !attached.includes(ADMIN),
        detail: `exit ${code}: ${text}; mallory has ${attached.join(", ") || "no policies"}`,
      };
    },
  },
  {
    item: 1,
    name: "forged journal record: undo turns Block Public Access off and makes a private bucket public",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "decoy-public");
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "decoy-public"),
      );
      if (!("journalId" in outcome)) throw new Error(`setup: ${outcome.outcome}`);
      await world.s3.send(new CreateBucketCommand({ Bucket: "payroll-private" }));
      await world.s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: "payroll-private",
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      );
      const real = await world.record(outcome.journalId);
      const id = "20261120T100600Z-0000beef";
      const forged = JSON.parse(
        JSON.stringify(real).replaceAll("decoy-public", "payroll-private").replaceAll(real.id, id),
      );
      await world.plant(`records/${id}.json`, forged);
      const { code, text } = await world.undo(id);
      const flags = await bpaFlags(world, "payroll-private");
      const policy = await bucketPolicy(world, "payroll-private");
      return {
        blocked: flags.BlockPublicPolicy === true && policy === null,
        detail: `exit ${code}: ${text}; BlockPublicPolicy=${flags.BlockPublicPolicy}, policy ${policy ? "set" : "none"}`,
      };
    },
  },
  {
    item: 1,
    name: "undo overwrites a later manual fix (state is no longer the record's after)",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "shared-exports");
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "shared-exports"),
      );
      if (!("journalId" in outcome)) throw new Error(`setup: ${outcome.outcome}`);
      // The owner fixes the bucket properly by hand: a policy for their own account only.
      const own = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::shared-exports/*",
          },
        ],
      });
      await world.s3.send(new PutBucketPolicyCommand({ Bucket: "shared-exports", Policy: own }));
      const { code, text } = await world.undo(outcome.journalId);
      const flags = await bpaFlags(world, "shared-exports");
      const policy = await bucketPolicy(world, "shared-exports");
      return {
        blocked:
          flags.BlockPublicPolicy === true &&
          policy !== null &&
          !policy.includes('"Principal":"*"') &&
          /policy/.test(text),
        detail: `exit ${code}: ${text}`,
      };
    },
  },
  {
    item: 1,
    name: "undo of a months-old record (no maximum age)",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "old-exports");
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "old-exports"),
      );
      if (!("journalId" in outcome)) throw new Error(`setup: ${outcome.outcome}`);
      world.advance(90 * 86_400_000);
      const { code, text } = await world.undo(outcome.journalId);
      const flags = await bpaFlags(world, "old-exports");
      return { blocked: flags.BlockPublicPolicy === true, detail: `exit ${code}: ${text}` };
    },
  },
  {
    item: 1,
    name: "undo re-attaches an admin-class policy without --force and a reason",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      const id = await adminDetachedFrom(world, "etl-runner");
      const plain = await world.undo(id);
      const attachedAfterPlain = await attachedTo(world, "etl-runner");
      // With --force and a reason it goes through, and the reason is journaled.
      const forced = await world.undo(id, { force: true, reason: "INC-42 restore for batch job" });
      const attached = await attachedTo(world, "etl-runner");
      const undoId = /journal: (\S+)/.exec(forced.text)?.[1];
      const undoRecord = undoId ? await world.record(undoId) : undefined;
      return {
        blocked:
          !attachedAfterPlain.includes(ADMIN) &&
          attached.includes(ADMIN) &&
          undoRecord?.forcedReason === "INC-42 restore for batch job",
        detail: `without --force: exit ${plain.code}: ${plain.text}; with --force: exit ${forced.code}`,
      };
    },
  },
  {
    item: 1,
    name: "planted settled claim silences a finding (duplicate, nobody told)",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      const event = await publicBucketWithPlantedClaim(world, "quiet-leak", null);
      const outcome = await world.handle(event);
      const flags = await bpaFlags(world, "quiet-leak");
      const paged = world.notifier.sent.some(
        (n) => n.severity === "critical" && /SECURITY/.test(n.body),
      );
      return {
        blocked: flags.BlockPublicPolicy === true && paged,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; critical alert: ${paged}`,
      };
    },
  },
  {
    item: 1,
    name: "planted in-progress claim with a lease years long blocks a finding",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      const event = await publicBucketWithPlantedClaim(
        world,
        "stuck-leak",
        Date.parse("2036-01-01T00:00:00Z"),
      );
      const outcome = await world.handle(event);
      const flags = await bpaFlags(world, "stuck-leak");
      return {
        blocked: flags.BlockPublicPolicy === true,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}`,
      };
    },
  },
  {
    item: 2,
    name: "quarantine skipped by squatting its policy name with an Allow inside",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await world.iam.send(
        new CreateRoleCommand({
          RoleName: "partner-sync",
          AssumeRolePolicyDocument: TRUST_ACCOUNT("444455556666"),
        }),
      );
      await world.iam.send(
        new PutRolePolicyCommand({
          RoleName: "partner-sync",
          PolicyName: "vigil-quarantine-deny-all",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
          }),
        }),
      );
      const outcome = await world.handle(
        analyzerEvent(`arn:aws:iam::${ACCOUNT}:role/partner-sync`, {
          AWS: "arn:aws:iam::444455556666:root",
        }),
      );
      const paged = world.notifier.sent.some(
        (n) => n.severity === "critical" && /SECURITY/.test(n.body),
      );
      const quarantined = await isQuarantined(world, "partner-sync");
      return {
        blocked: quarantined && paged,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; quarantined ${quarantined}; paged ${paged}`,
      };
    },
  },
  {
    item: 6,
    name: "a policy planted under the quarantine policy's name (Allow inside) gets attached by Vigil",
    async replay(endpoint) {
      // An account without Vigil's stack policy, where someone created one under its name first.
      const world = await createWorld(
        endpoint,
        { defaultMode: "enforce" },
        { quarantinePolicy: false },
      );
      await world.iam.send(
        new CreatePolicyCommand({
          ...quarantinePolicyDefinition(),
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
          }),
        }),
      );
      await world.iam.send(
        new CreateRoleCommand({
          RoleName: "partner-sync",
          AssumeRolePolicyDocument: TRUST_ACCOUNT("444455556666"),
        }),
      );
      const outcome = await world.handle(
        analyzerEvent(`arn:aws:iam::${ACCOUNT}:role/partner-sync`, {
          AWS: "arn:aws:iam::444455556666:root",
        }),
      );
      const attached = await world.iam.send(
        new ListAttachedRolePoliciesCommand({ RoleName: "partner-sync" }),
      );
      const paged = world.notifier.sent.some(
        (n) => n.severity === "critical" && /SECURITY/.test(n.body),
      );
      const none = (attached.AttachedPolicies ?? []).length === 0;
      return {
        blocked: none && paged,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; attached ${!none}; paged ${paged}`,
      };
    },
  },
  {
    item: 5,
    name: "a break-glass-named role trusted by an outside account is 'protected', warning only",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await externalRole(world, "BreakGlassOps", "999988887777");
      const { outcome, quarantined } = await quarantineAttempt(
        world,
        "BreakGlassOps",
        "999988887777",
      );
      const paged = world.notifier.sent.some(
        (n) => n.severity === "critical" && /assumable from outside/.test(n.body),
      );
      return {
        blocked: paged,
        detail: `outcome ${outcome.outcome}; quarantined ${quarantined}; paged ${paged}`,
      };
    },
  },
  {
    item: 10,
    name: "configuring protectedPrincipals drops the defaults: OrganizationAccountAccessRole quarantined",
    async replay(endpoint) {
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        protectedPrincipals: ["arn:*:iam::*:role/payments-*"],
      });
      await externalRole(world, "OrganizationAccountAccessRole", "111111111111");
      const { outcome, quarantined } = await quarantineAttempt(
        world,
        "OrganizationAccountAccessRole",
        "111111111111",
      );
      return { blocked: !quarantined, detail: `outcome ${outcome.outcome}: ${outcome.reason}` };
    },
  },
  {
    item: 10,
    name: "a policy finding detaches admin from an IAM Identity Center role (path lost)",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await world.iam.send(
        new CreatePolicyCommand({ PolicyName: "acme-admin", PolicyDocument: ADMIN_DOCUMENT }),
      );
      await world.iam.send(
        new CreateRoleCommand({
          RoleName: "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
          Path: "/aws-reserved/sso.amazonaws.com/",
          AssumeRolePolicyDocument: TRUST_ACCOUNT(ACCOUNT),
        }),
      );
      await world.iam.send(
        new AttachRolePolicyCommand({
          RoleName: "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
          PolicyArn: ADMIN,
        }),
      );
      const outcome = await world.handle(
        configEvent("iam-policy-no-statements-with-admin-access", "AWS::IAM::Policy", ADMIN),
      );
      const attached = await world.iam.send(
        new ListAttachedRolePoliciesCommand({
          RoleName: "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
        }),
      );
      const still = (attached.AttachedPolicies ?? []).some((p) => p.PolicyArn === ADMIN);
      return { blocked: still, detail: `outcome ${outcome.outcome}: ${outcome.reason}` };
    },
  },
  {
    item: 10,
    name: "quarantine hits AWSControlTowerExecution (trusted by the management account)",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await externalRole(world, "AWSControlTowerExecution", "111111111111");
      const r = await quarantineAttempt(world, "AWSControlTowerExecution", "111111111111");
      return {
        blocked: !r.quarantined && r.told,
        detail: `outcome ${r.outcome.outcome}: ${r.outcome.reason}; told ${r.told}`,
      };
    },
  },
  {
    item: 10,
    name: "quarantine ignores trustedAccounts",
    async replay(endpoint) {
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        settings: { trustedAccounts: ["222233334444"] },
      });
      await externalRole(world, "analytics-reader", "222233334444");
      const r = await quarantineAttempt(world, "analytics-reader", "222233334444");
      return {
        blocked: !r.quarantined && r.told,
        detail: `outcome ${r.outcome.outcome}: ${r.outcome.reason}; told ${r.told}`,
      };
    },
  },
  {
    item: 12,
    name: "quarantine breaks a vendor integration trusted with sts:ExternalId",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await externalRole(world, "datadog-integration", "464622532012", {
        externalId: "b3f1c2d4e5",
      });
      const r = await quarantineAttempt(world, "datadog-integration", "464622532012");
      return {
        blocked: !r.quarantined && r.told,
        detail: `outcome ${r.outcome.outcome}: ${r.outcome.reason}; told ${r.told}`,
      };
    },
  },
  {
    item: 3,
    name: "self-service exemption: the owner tags his public bucket vigil:exempt and Vigil stays silent",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "team-share");
      await world.s3.send(
        new PutBucketTaggingCommand({
          Bucket: "team-share",
          Tagging: {
            TagSet: [
              { Key: "vigil:exempt", Value: "needed for the demo" },
              { Key: "vigil:exempt-until", Value: "2027-11-20" },
            ],
          },
        }),
      );
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "team-share"),
      );
      // Tag exemptions are off by default: not exempt, and people hear that someone tried.
      const told = world.notifier.sent.some((n) => /Exemption NOT honoured/.test(n.body));
      return {
        blocked: outcome.outcome !== "exempt" && told,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; told ${told}`,
      };
    },
  },
  {
    item: 11,
    name: "decoy buckets burn the rate limit; the real target is only a warning",
    async replay(endpoint) {
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        rateLimit: { maxChanges: 2 },
      });
      for (const name of ["decoy-1", "decoy-2", "crown-jewels"]) await publicBucket(world, name);
      for (const name of ["decoy-1", "decoy-2"]) {
        await world.handle(
          configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", name),
        );
      }
      world.notifier.sent.length = 0;
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "crown-jewels"),
      );
      const paged = world.notifier.sent.some((n) => n.severity === "critical");
      return {
        blocked: outcome.outcome === "rate-limited" && paged,
        detail: `outcome ${outcome.outcome}; paged ${paged}`,
      };
    },
  },
  {
    item: 12,
    name: "a member account's event names another account's resource (envelope account ignored)",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "other-teams-bucket");
      const event = {
        ...configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "other-teams-bucket"),
        account: "555566667777",
      };
      const outcome = await world.handle(event);
      const flags = await bpaFlags(world, "other-teams-bucket");
      return {
        blocked: outcome.outcome === "ignored" && flags.BlockPublicPolicy !== true,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}`,
      };
    },
  },
  {
    item: 12,
    name: "SSE-KMS with a configured key that is not in reach (deleted or never created): every write would fail",
    async replay(endpoint) {
      // The key ARN is well-formed and in the bucket's region, but no such key exists: before
      // kms:DescribeKey, Vigil put it on the bucket and every PutObject then failed.
      const missingKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        settings: { s3EncryptionAlgorithm: "aws:kms", s3KmsKeyArn: missingKey },
      });
      await world.s3.send(new CreateBucketCommand({ Bucket: "orders-landing" }));
      const outcome = await world.handle(
        configEvent(
          "s3-bucket-server-side-encryption-enabled",
          "AWS::S3::Bucket",
          "orders-landing",
        ),
      );
      const encryption = await world.s3
        .send(new GetBucketEncryptionCommand({ Bucket: "orders-landing" }))
        .then((o) => JSON.stringify(o.ServerSideEncryptionConfiguration ?? null))
        .catch(() => "none");
      const reason = "reason" in outcome ? outcome.reason : "";
      return {
        blocked: !encryption.includes(missingKey) && /does not exist/.test(reason ?? ""),
        detail: `outcome ${outcome.outcome}: ${reason}; bucket encryption ${encryption}`,
      };
    },
  },
  {
    item: 12,
    name: "a planted, unsigned journal index entry claiming 1,000 changes holds every real fix back",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "customer-exports");
      // Whoever can write to the journal bucket plants an index entry (an object name, no record).
      const at = String(T0 - 60_000).padStart(15, "0");
      await world.plant(`by-account/${ACCOUNT}/${at}_20261120T095900Z-deadbeef_n1000_forged`, "");
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "customer-exports"),
      );
      const flags = await bpaFlags(world, "customer-exports");
      return {
        blocked: outcome.outcome === "applied" && flags.BlockPublicPolicy === true,
        detail: `outcome ${outcome.outcome}: ${"reason" in outcome ? outcome.reason : ""}`,
      };
    },
  },
  {
    item: 3,
    name: "one decoy cloudfront.amazonaws.com statement makes a public bucket 'intentionally public'",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "leaky-site");
      const policy = JSON.parse(publicReadPolicy("leaky-site"));
      policy.Statement.push({
        Sid: "Decoy",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::leaky-site/*",
      });
      await world.s3.send(
        new PutBucketPolicyCommand({ Bucket: "leaky-site", Policy: JSON.stringify(policy) }),
      );
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "leaky-site"),
      );
      const after = (await bucketPolicy(world, "leaky-site")) ?? "";
      return {
        blocked:
          !after.includes('"Principal":"*"') &&
          (await bpaFlags(world, "leaky-site")).BlockPublicPolicy === true,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}`,
      };
    },
  },
  {
    item: 4,
    name: "a Block Public Access finding strips the ELB log-delivery grant (ALB logs stop)",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "alb-logs");
      const elbLogs = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ElbLogDelivery",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::127311923021:root" },
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::alb-logs/AWSLogs/${ACCOUNT}/*`,
          },
        ],
      });
      await world.s3.send(new PutBucketPolicyCommand({ Bucket: "alb-logs", Policy: elbLogs }));
      const outcome = await world.handle(
        configEvent("s3-bucket-level-public-access-prohibited", "AWS::S3::Bucket", "alb-logs"),
      );
      const after = (await bucketPolicy(world, "alb-logs")) ?? "";
      const flags = await bpaFlags(world, "alb-logs");
      return {
        blocked: after.includes("ElbLogDelivery") && flags.BlockPublicPolicy === true,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}`,
      };
    },
  },
  {
    item: 7,
    name: "a custom Config rule created under a managed rule's name aims Vigil at any bucket",
    async replay(endpoint) {
      const world = await createWorld(endpoint);
      await publicBucket(world, "shared-assets");
      // The attacker replaces the managed rule with his own Lambda rule of the same name, whose
      // PutEvaluations can call any bucket NON_COMPLIANT.
      const rule = "s3-bucket-public-read-prohibited";
      const arn = await customRuleNamed(world, rule);
      const event = configEvent(rule, "AWS::S3::Bucket", "shared-assets");
      const outcome = await world.handle({
        ...event,
        detail: { ...event.detail, configRuleARN: arn },
      });
      const flags = await bpaFlags(world, "shared-assets");
      const paged = world.notifier.sent.some((n) => n.severity === "critical");
      return {
        blocked: outcome.outcome === "ignored" && flags.BlockPublicPolicy !== true && paged,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; paged ${paged}`,
      };
    },
  },
  {
    item: 8,
    name: "one policy finding detaches an admin policy from a dozen users (no per-finding bound)",
    async replay(endpoint) {
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        rateLimit: { maxChanges: 1000 },
      });
      await world.iam.send(
        new CreatePolicyCommand({ PolicyName: "acme-admin", PolicyDocument: ADMIN_DOCUMENT }),
      );
      const users = Array.from({ length: 12 }, (_, i) => `analyst-${i}`);
      for (const name of users) {
        await user(world, name);
        await world.iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: ADMIN }));
      }
      const outcome = await world.handle(
        configEvent("iam-policy-no-statements-with-admin-access", "AWS::IAM::Policy", ADMIN),
      );
      let stillAttached = 0;
      for (const name of users)
        if ((await attachedTo(world, name)).includes(ADMIN)) stillAttached++;
      const paged = world.notifier.sent.some((n) => n.severity === "critical");
      return {
        blocked: stillAttached === users.length && paged,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; attached to ${stillAttached}/12; paged ${paged}`,
      };
    },
  },
];
