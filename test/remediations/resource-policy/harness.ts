import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { CreateOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccountFacts } from "../../../src/adapters/account-facts.ts";
import type { Finding, ResourceType } from "../../../src/domain/finding.ts";
import type { AwsClientClass, Remediation } from "../../../src/ports/remediation.ts";
import { motoClientConfig, resetMoto, TEST_ACCOUNT, TEST_REGION } from "../../support/moto.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  type RemediationContext,
  type RemediationSettings,
  TEST_SETTINGS,
} from "../support.ts";

/**
 * One suite for every resource-policy remediation against moto_server: what a service test gives
 * is how to create its resource with a policy, read the policy back, and the shape of its ARN.
 */
export interface PolicyService<Client extends { middlewareStack: unknown; send: unknown }> {
  remediation: Remediation;
  resourceType: ResourceType;
  Client: AwsClientClass<Client>;
  /** The IAM service prefix of the client's calls ("sqs", "kms"…). */
  prefix: string;
  /** IAM action names that differ from the API operation name. */
  actionNames?: Record<string, string>;
  /** Creates a resource (with this policy when given); returns its ARN. */
  create(client: Client, name: string, policy?: object): Promise<string>;
  /** The resource's policy as the service returns it (null when none). */
  policyOf(client: Client, arn: string): Promise<string | null>;
  /** Writes a policy as someone else would (to test staleness). */
  setPolicy(client: Client, arn: string, policy: object): Promise<void>;
  /** The resource's ARN placed in another account (same region and name). */
  foreignArn(arn: string): string;
  /** What the policy becomes when every statement goes (deleted → null; else a check). */
  whenEmptied: "deleted" | ((policy: string | null) => void);
  /** A statement the service keeps in every policy (KMS: the root's kms:*), prepended to each. */
  baseStatements?: (arn: string) => object[];
  /**
   * The same policy after undo, where the service does not keep statement order (Lambda appends a
   * re-added permission). Default: the very document read before.
   */
  samePolicy?: (a: string | null, b: string | null) => boolean;
  /** What the clients need besides (calls moto does not serve, answered in the test). */
  prepare?: (client: Client) => void;
  /** The service's own tests, run in the suite (its recorder sees their calls too). */
  more?: (tools: SuiteTools<Client>) => void;
}

export interface SuiteTools<Client> {
  seed: Client;
  context(overrides?: Partial<RemediationSettings>): RemediationContext;
  findingFor(arn: string, overrides?: Partial<Finding>): Finding;
  recorder: ActionRecorder;
  /** The service client's mutating calls since the test began, as IAM actions. */
  mutating: readonly string[];
}

export const PARTNER = "444455556666";

export function statement(sid: string, principal: unknown, action: string, arn: string, more = {}) {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: principal,
    Action: action,
    Resource: arn,
    ...more,
  };
}

function sids(policy: string | null): string[] {
  if (policy === null) return [];
  const parsed = JSON.parse(policy) as { Statement: { Sid?: string }[] | { Sid?: string } };
  const list = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return list.map((entry) => entry.Sid ?? "?");
}

export function resourcePolicySuite<Client extends { middlewareStack: unknown; send: unknown }>(
  endpoint: string,
  service: PolicyService<Client>,
  action: string,
) {
  const config = motoClientConfig(endpoint);
  const seed = new service.Client(config);
  const client = new service.Client(config);
  service.prepare?.(seed);
  service.prepare?.(client);
  const recorder = new ActionRecorder();
  const ec2 = new EC2Client(config);
  const organizations = new OrganizationsClient(config);
  recorder.watch(ec2, "ec2");
  recorder.watch(organizations, "organizations");
  // Every call of the service's client, as the IAM action it needs, per phase.
  const mutating: string[] = [];
  let calls = 0;
  (
    client.middlewareStack as {
      add(
        middleware: (
          next: (args: unknown) => Promise<unknown>,
          context: { commandName?: string },
        ) => (args: unknown) => Promise<unknown>,
        options: { step: "initialize"; name: string },
      ): void;
    }
  ).add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "").replace(/Command$/, "");
      const iamAction = service.actionNames?.[operation] ?? `${service.prefix}:${operation}`;
      recorder.record(iamAction);
      calls++;
      if (!/^(Get|List|Describe)/.test(operation)) mutating.push(iamAction);
      return next(args);
    },
    { step: "initialize", name: "policyActionRecorder" },
  );
  const accountFacts = { read: () => new AwsAccountFacts(organizations, ec2).read() };
  const remediation = service.remediation;

  function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
    return {
      s3: new S3Client(config),
      iam: new IAMClient(config),
      settings: { ...TEST_SETTINGS, ...overrides },
      accountFacts,
      client: <C>(Class: AwsClientClass<C>) => {
        if ((Class as unknown) !== service.Client) throw new Error("unexpected client class");
        return client as unknown as C;
      },
    };
  }
  const findingFor = (arn: string, overrides: Partial<Finding> = {}) =>
    makeFinding(remediation.name as Finding["kind"], service.resourceType, "x", {
      resourceArn: arn,
      resourceId: arn,
      resourceName: arn.split(/[:/]/).at(-1) ?? arn,
      ...overrides,
    });
  const policy = (arn: string, ...statements: object[]) => ({
    Version: "2012-10-17",
    Statement: [...(service.baseStatements?.(arn) ?? []), ...statements],
  });
  const base = (arn: string) =>
    (service.baseStatements?.(arn) ?? []).map((entry) => (entry as { Sid: string }).Sid);

  describe(`${remediation.name} against moto`, () => {
    beforeEach(async () => {
      await resetMoto(endpoint);
      mutating.length = 0;
    });

    it("removes the public statement, keeps the owner's and the org-narrowed one, and undoes", async () => {
      const { Organization } = await organizations.send(
        new CreateOrganizationCommand({ FeatureSet: "ALL" }),
      );
      const arn = await service.create(seed, "shared", {});
      const original = policy(
        arn,
        statement("Public", "*", action, arn),
        statement("Own", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, action, arn),
        statement("Org", "*", action, arn, {
          Condition: { StringEquals: { "aws:PrincipalOrgID": Organization?.Id } },
        }),
      );
      await service.setPolicy(seed, arn, original);
      const before = await service.policyOf(seed, arn);
      const finding = findingFor(arn);
      const { plan, verified } = await planApplyVerify(remediation, context(), finding, recorder);
      expectJsonSerialisable(plan);
      expect(changeAt(plan).description).toContain("Public");
      expect(changeAt(plan).description).not.toContain(Organization?.Id ?? "o-");
      expect(verified.ok, verified.detail).toBe(true);
      expect(sids(await service.policyOf(seed, arn))).toEqual([...base(arn), "Own", "Org"]);

      const undone = await recorder.during("undo", () =>
        remediation.undo(context(), plan, plan.changes),
      );
      expect(undone.ok, undone.detail).toBe(true);
      const restored = await service.policyOf(seed, arn);
      if (service.samePolicy) expect(service.samePolicy(restored, before)).toBe(true);
      else expect(JSON.parse(restored ?? "null")).toEqual(JSON.parse(before ?? "null"));
    });

    it("keeps an external-account grant unless stripExternalAccounts, then removes it", async () => {
      const arn = await service.create(seed, "partner", {});
      await service.setPolicy(
        seed,
        arn,
        policy(arn, statement("Partner", { AWS: `arn:aws:iam::${PARTNER}:root` }, action, arn)),
      );
      const kept = await remediation.plan(context(), findingFor(arn));
      expect(kept.changes).toEqual([]);
      expect(kept.reason).toContain("stripExternalAccounts");

      const { plan, verified } = await planApplyVerify(
        remediation,
        context({ stripExternalAccounts: true }),
        findingFor(arn),
        recorder,
      );
      expect(plan.changes).toHaveLength(1);
      expect(verified.ok, verified.detail).toBe(true);
      const after = await service.policyOf(seed, arn);
      if (service.whenEmptied === "deleted" && base(arn).length === 0) expect(after).toBeNull();
      else if (typeof service.whenEmptied === "function") service.whenEmptied(after);
      else expect(sids(after)).toEqual(base(arn));
    });

    it("refuses to apply over a policy changed since planning, and undo leaves a later change alone", async () => {
      const arn = await service.create(seed, "raced", {});
      await service.setPolicy(seed, arn, policy(arn, statement("Public", "*", action, arn)));
      const plan = await remediation.plan(context(), findingFor(arn));
      const someoneElses = policy(
        arn,
        statement("Public", "*", action, arn),
        statement("Own", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, action, arn),
      );
      await service.setPolicy(seed, arn, someoneElses);
      await expect(remediation.apply(context(), plan, changeAt(plan))).rejects.toThrow(
        /changed since planning/,
      );

      // Applied by a fresh plan; then someone edits it; undo must not put the public grant back.
      const fresh = await remediation.plan(context(), findingFor(arn));
      await remediation.apply(context(), fresh, changeAt(fresh));
      const later = policy(
        arn,
        statement("Later", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, action, arn),
      );
      await service.setPolicy(seed, arn, later);
      const undone = await remediation.undo(context(), fresh, fresh.changes);
      expect(undone.ok).toBe(false);
      expect(undone.detail).toContain("not restored");
      expect(sids(await service.policyOf(seed, arn))).toEqual([...base(arn), "Later"]);
    });

    it("bad input: an ARN of another account or region makes zero calls", async () => {
      const arn = await service.create(seed, "victim", {});
      await service.setPolicy(seed, arn, policy(arn, statement("Public", "*", action, arn)));
      const callsBefore = calls;
      for (const bad of [
        service.foreignArn(arn),
        arn.replace(`:${TEST_REGION}:`, ":eu-west-1:"),
        `${arn}/../x`,
        // Not "not-an-arn": that is a valid Lambda function name, which Config reports alone.
        "not an arn",
      ]) {
        await expect(remediation.plan(context(), findingFor(bad))).rejects.toThrow();
      }
      expect(calls).toBe(callsBefore);
      expect(mutating).toEqual([]);
    });

    service.more?.({ seed, context, findingFor, recorder, mutating });

    it("declares exactly the IAM actions it calls", () => {
      recorder.expectExactly(remediation);
    });
  });
}
