import {
  CreateKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { ownerOf } from "../../../src/domain/resource-policy/index.ts";
import {
  grantsRootFullAccess,
  kmsKeyPolicy,
} from "../../../src/remediations/kms/kms-key-policy.ts";
import { motoClientConfig, motoEndpoint, TEST_ACCOUNT, TEST_REGION } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite, statement } from "../resource-policy/harness.ts";
import { makeFinding, TEST_SETTINGS } from "../support.ts";

const endpoint = motoEndpoint();
const ROOT = `arn:aws:iam::${TEST_ACCOUNT}:root`;

const rootStatement = () => ({
  Sid: "EnableRoot",
  Effect: "Allow",
  Principal: { AWS: ROOT },
  Action: "kms:*",
  Resource: "*",
});

describe.skipIf(!endpoint)("kms-key-policy", () => {
  const service = {
    remediation: kmsKeyPolicy,
    resourceType: "AWS::KMS::Key",
    Client: KMSClient,
    prefix: "kms",
    async create(kms: KMSClient) {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      return KeyMetadata?.Arn ?? "";
    },
    async policyOf(kms: KMSClient, arn: string) {
      const { Policy } = await kms.send(
        new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" }),
      );
      return Policy || null;
    },
    async setPolicy(kms: KMSClient, arn: string, policy: object) {
      await kms.send(
        new PutKeyPolicyCommand({
          KeyId: arn,
          PolicyName: "default",
          Policy: JSON.stringify(policy),
        }),
      );
    },
    foreignArn: (arn: string) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
    // A key policy cannot be deleted: the root's statement always stays.
    whenEmptied: (policy: string | null) => {
      expect(JSON.parse(policy ?? "{}").Statement).toEqual([rootStatement()]);
    },
    baseStatements: () => [rootStatement()],
  } as const;
  resourcePolicySuite(endpoint as string, service, "kms:Decrypt");

  it("refuses a plan that would leave the account root without kms:* (no lockout), changing nothing", async () => {
    const kms = new KMSClient(motoClientConfig(endpoint as string));
    const arn = await service.create(kms);
    const original = {
      Version: "2012-10-17",
      Statement: [
        statement("AdminOnly", { AWS: `arn:aws:iam::${TEST_ACCOUNT}:role/admin` }, "kms:*", "*"),
        statement("Public", "*", "kms:Decrypt", "*"),
      ],
    };
    await service.setPolicy(kms, arn, original);
    const ctx = {
      s3: undefined as never,
      iam: undefined as never,
      settings: TEST_SETTINGS,
      client: <C>() => kms as unknown as C,
    };
    const finding = makeFinding("kms-key-policy", "AWS::KMS::Key", "k", {
      resourceArn: arn,
      resourceId: arn,
    });
    const plan = await kmsKeyPolicy.plan(ctx, finding);
    expect(plan.changes).toEqual([]);
    expect(plan.summary).toContain("will not change it");
    expect(plan.reason).toContain("lock the account out");
    expect(JSON.parse((await service.policyOf(kms, arn)) ?? "{}")).toEqual(original);
  });

  it("counts only an unconditional kms:* on * to the root as the root's access", () => {
    const owner = ownerOf(TEST_ACCOUNT);
    const doc = (...statements: object[]) => JSON.stringify({ Statement: statements });
    expect(grantsRootFullAccess(doc(rootStatement()), owner, TEST_REGION)).toBe(true);
    expect(
      grantsRootFullAccess(
        doc({ ...rootStatement(), Principal: { AWS: TEST_ACCOUNT } }),
        owner,
        TEST_REGION,
      ),
    ).toBe(true);
    expect(
      grantsRootFullAccess(doc({ ...rootStatement(), Action: "kms:Decrypt" }), owner, TEST_REGION),
    ).toBe(false);
    expect(
      grantsRootFullAccess(
        doc({ ...rootStatement(), Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }),
        owner,
        TEST_REGION,
      ),
    ).toBe(false);
    expect(
      grantsRootFullAccess(
        doc({ ...rootStatement(), Principal: { AWS: `arn:aws:iam::${PARTNER}:root` } }),
        owner,
        TEST_REGION,
      ),
    ).toBe(false);
  });
});
