import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import type { Finding, FindingKind, ResourceType } from "../../src/domain/finding.ts";
import type { RemediationPlan } from "../../src/domain/remediation-plan.ts";
import type {
  AwsClientClass,
  RemediationContext as PortContext,
  Remediation,
} from "../../src/ports/remediation.ts";
import type { RemediationSettings } from "../../src/remediations/settings.ts";
import { type motoClientConfig, TEST_ACCOUNT, TEST_REGION } from "../support/moto.ts";

export type { RemediationSettings };
/** What the runner hands a remediation: clients plus config's composed `remediation.settings`. */
export type RemediationContext = PortContext<RemediationSettings>;

export const KMS_KEY_ARN =
  "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
export const OTHER_KMS_KEY_ARN =
  "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555";

/**
 * Configured KMS keys an encryption remediation must refuse before it reads or writes the resource
 * (kms-key.ts): one that does not exist, and one of another region. Each with the error it gives.
 */
export const UNUSABLE_KMS_KEYS: ReadonlyArray<[string, RegExp]> = [
  [
    `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
    /does not exist/,
  ],
  [
    `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
    /only encrypts resources of its own region/,
  ],
];

export const TEST_SETTINGS: RemediationSettings = {
  s3EncryptionAlgorithm: "aws:kms",
  s3KmsKeyArn: KMS_KEY_ARN,
  s3ReplaceExistingKmsKey: false,
  s3RemovePublicAclGrants: true,
  s3RemovePublicPolicyStatements: true,
  trustedAccounts: [],
  stripExternalAccounts: false,
  trustedIpRanges: [],
  s3RemediateIntentionallyPublic: false,
  riskyPolicyNames: ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"],
  riskyPolicyDetachCategories: ["admin", "privilege-escalation"],
  // Off here: moto has no service last accessed report; the tests that want it turn it on.
  riskyPolicyLastUsedWaitSeconds: 0,
  quarantinePolicyName: "vigil-quarantine-deny-all",
  quarantineManagedPolicyName: "VigilQuarantineDenyAll",
  replaceExistingKmsKey: false,
  snsKmsKeyId: "alias/aws/sns",
  lambdaFunctionUrlAuth: "alert",
  kinesisKmsKeyId: "alias/aws/kinesis",
};

export function makeFinding(
  kind: FindingKind,
  resourceType: ResourceType,
  resourceName: string,
  overrides: Partial<Finding> = {},
): Finding {
  const arn =
    resourceType === "AWS::S3::Bucket"
      ? `arn:aws:s3:::${resourceName}`
      : `arn:aws:iam::${TEST_ACCOUNT}:${resourceType.split("::")[2]?.toLowerCase()}/${resourceName}`;
  return {
    id: `finding-${resourceName}`,
    eventId: `event-${resourceName}`,
    source: "cli",
    account: TEST_ACCOUNT,
    region: TEST_REGION,
    resourceType,
    resourceId: resourceName,
    resourceArn: arn,
    resourceName,
    rule: "test-rule",
    kind,
    isPublic: false,
    observedAt: "2026-11-20T09:15:04Z",
    ...overrides,
  };
}

export type Phase = "plan" | "apply" | "verify" | "undo";

/** IAM actions for the S3 API operations the remediations call (where the names differ). */
const S3_ACTIONS: Record<string, string> = {
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  PutBucketEncryption: "s3:PutEncryptionConfiguration",
  DeleteBucketEncryption: "s3:PutEncryptionConfiguration",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  DeletePublicAccessBlock: "s3:PutBucketPublicAccessBlock",
};

export function iamActionFor(service: string, commandName: string): string {
  const operation = commandName.replace(/Command$/, "");
  if (service === "s3") return S3_ACTIONS[operation] ?? `s3:${operation}`;
  return `${service}:${operation}`;
}

/**
 * Records, per phase, the IAM action of every AWS call a remediation makes through the context's
 * clients, so tests can compare them with the declared `permissions`.
 */
export class ActionRecorder {
  private phase: Phase | undefined;
  /** Every call through a watched client, in or out of a phase. */
  calls = 0;
  readonly used: Record<Phase, Set<string>> = {
    plan: new Set(),
    apply: new Set(),
    verify: new Set(),
    undo: new Set(),
  };

  watch(client: { middlewareStack: unknown }, service: string): void {
    const stack = client.middlewareStack as unknown as {
      add(
        middleware: (
          next: (args: unknown) => Promise<unknown>,
          context: { commandName?: string },
        ) => (args: unknown) => Promise<unknown>,
        options: { step: "initialize"; name: string },
      ): void;
    };
    stack.add(
      (next, context) => async (args) => {
        this.calls++;
        if (this.phase) this.used[this.phase].add(iamActionFor(service, context.commandName ?? ""));
        return next(args);
      },
      { step: "initialize", name: "vigilActionRecorder" },
    );
  }

  /** Records one IAM action in the current phase (for clients `watch` has no service table for). */
  record(action: string): void {
    if (this.phase) this.used[this.phase].add(action);
  }

  async during<T>(phase: Phase, run: () => Promise<T>): Promise<T> {
    this.phase = phase;
    try {
      return await run();
    } finally {
      this.phase = undefined;
    }
  }

  /** Every recorded action is declared for its phase. */
  expectDeclared(remediation: Remediation): void {
    for (const phase of ["plan", "apply", "verify", "undo"] as const) {
      const undeclared = [...this.used[phase]].filter(
        (action) => !remediation.permissions[phase].includes(action),
      );
      expect(undeclared, `${remediation.name} ${phase} calls undeclared actions`).toEqual([]);
    }
  }

  /** Declared and used sets are equal (use after a suite that covers every code path). */
  expectExactly(remediation: Remediation): void {
    for (const phase of ["plan", "apply", "verify", "undo"] as const) {
      expect([...this.used[phase]].sort(), `${remediation.name} ${phase}`).toEqual(
        [...remediation.permissions[phase]].sort(),
      );
    }
  }
}

/**
 * The context's `client` factory for tests: one client per class, built with `config`, each
 * watched by `recorder` under its IAM service prefix.
 */
export function clientFactory(
  config: object,
  recorder: ActionRecorder | undefined,
  prefixes: ReadonlyMap<AwsClientClass<unknown>, string>,
): NonNullable<PortContext["client"]> {
  const built = new Map<AwsClientClass<unknown>, unknown>();
  return <Client>(Client: AwsClientClass<Client>): Client => {
    let client = built.get(Client) as Client | undefined;
    if (!client) {
      client = new Client(config as { region: string });
      const prefix = prefixes.get(Client);
      if (!prefix) throw new Error(`no IAM prefix for ${Client.name} in the test's clientFactory`);
      recorder?.watch(client as { middlewareStack: unknown }, prefix);
      built.set(Client, client);
    }
    return client;
  };
}

/** plan → apply each change → verify, each phase recorded. */
export async function planApplyVerify(
  remediation: Remediation,
  ctx: RemediationContext,
  finding: Finding,
  recorder?: ActionRecorder,
) {
  const during = <T>(phase: Phase, run: () => Promise<T>) =>
    recorder ? recorder.during(phase, run) : run();
  const plan = await during("plan", () => remediation.plan(ctx, finding));
  for (const change of plan.changes) {
    await during("apply", () => remediation.apply(ctx, plan, change));
  }
  const verified = await during("verify", () => remediation.verify(ctx, plan));
  return { plan, verified };
}

/** The plan must survive the journal: a JSON round trip changes nothing. */
export function expectJsonSerialisable(plan: RemediationPlan): void {
  expect(JSON.parse(JSON.stringify(plan.before))).toEqual(plan.before);
  for (const change of plan.changes) {
    expect(JSON.parse(JSON.stringify(change.params))).toEqual(change.params);
  }
}

/** The change at `index`, failing the test when the plan has fewer changes. */
export function changeAt(plan: RemediationPlan, index = 0) {
  const change = plan.changes[index];
  if (!change) throw new Error(`plan has no change #${index}: ${plan.summary}`);
  return change;
}

/**
 * The context's client factory over already-built (recorded) clients: `ctx.client(EC2Client)`
 * returns the test's EC2 client. Asking for a class the test did not build fails.
 */
export function builtClients(
  ...clients: { constructor: unknown }[]
): NonNullable<RemediationContext["client"]> {
  return <Client>(Client: AwsClientClass<Client>): Client => {
    const client = clients.find((candidate) => candidate.constructor === Client);
    if (!client) throw new Error(`the test built no ${Client.name}`);
    return client as Client;
  };
}

/**
 * `context(overrides)` for a moto suite: S3 and IAM clients on `config`, the test settings with
 * the overrides, and the suite's client factory for every other service.
 */
export function motoContextFactory(
  config: ReturnType<typeof motoClientConfig>,
  client: NonNullable<RemediationContext["client"]>,
): (overrides?: Partial<RemediationSettings>) => RemediationContext {
  return (overrides = {}) => ({
    s3: new S3Client(config),
    iam: new IAMClient(config),
    settings: { ...TEST_SETTINGS, ...overrides },
    client,
  });
}

/**
 * A moto suite's recorded setup: one ActionRecorder watching every client the remediation builds
 * through `ctx.client` (`services` maps each client class's IAM prefix to the class), the suite's
 * `context(overrides)` over it, and `watchedBy(recorder)` for a test that counts its own calls.
 */
export function recordingMotoContext(
  config: ReturnType<typeof motoClientConfig>,
  services: Readonly<Record<string, new (...args: never[]) => unknown>>,
) {
  const recorder = new ActionRecorder();
  const prefixes = new Map(
    Object.entries(services).map(([prefix, Client]) => [
      Client as unknown as AwsClientClass<unknown>,
      prefix,
    ]),
  );
  const watchedBy = (watcher: ActionRecorder) => clientFactory(config, watcher, prefixes);
  const client = watchedBy(recorder);
  return { recorder, client, context: motoContextFactory(config, client), watchedBy };
}
