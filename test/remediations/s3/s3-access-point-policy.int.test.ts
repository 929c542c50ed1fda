import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateAccessPointCommand,
  GetAccessPointPolicyCommand,
  ListTagsForResourceCommand,
  PutAccessPointPolicyCommand,
} from "@aws-sdk/client-s3-control";
import { describe, expect, it } from "vitest";
import { s3AccessPointPolicy } from "../../../src/remediations/s3/s3-access-point-policy.ts";
import { VigilS3ControlClient } from "../../../src/remediations/s3/s3-control-client.ts";
import { motoClientConfig, motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite, statement } from "../resource-policy/harness.ts";

const endpoint = motoEndpoint();

const nameOf = (arn: string) => arn.split(":accesspoint/")[1] ?? "";

/** Tags by access point ARN: moto does not serve ListTagsForResource on an access point ARN. */
const tags = new Map<string, Record<string, string>>();

type Step = "build";
type Middleware = (
  next: (args: { input: unknown }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: unknown }) => Promise<unknown>;

/** Answers ListTagsForResource from `tags` (after the suite's recorder has counted the call). */
function answerTags(client: VigilS3ControlClient): void {
  (
    client.middlewareStack as unknown as {
      add(middleware: Middleware, options: { step: Step; name: string }): void;
    }
  ).add(
    (next, context) => async (args) => {
      if (context.commandName !== ListTagsForResourceCommand.name) return next(args);
      const { ResourceArn } = args.input as { ResourceArn: string };
      const found = tags.get(ResourceArn) ?? {};
      return {
        output: {
          Tags: Object.entries(found).map(([Key, Value]) => ({ Key, Value })),
          $metadata: {},
        },
        response: {},
      };
    },
    { step: "build", name: "motoHasNoAccessPointTags" },
  );
}

describe.skipIf(!endpoint)(
  "s3-access-point-policy (moto; ListTagsForResource answered in the test: moto lacks it for access points)",
  () => {
    const s3 = new S3Client(motoClientConfig(endpoint as string));
    let created = 0;

    resourcePolicySuite(
      endpoint as string,
      {
        remediation: s3AccessPointPolicy,
        resourceType: "AWS::S3::AccessPoint",
        Client: VigilS3ControlClient,
        prefix: "s3",
        prepare: answerTags,
        async create(control, name) {
          created += 1;
          const bucket = `vigil-ap-${name}-${created}`;
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
          const { AccessPointArn } = await control.send(
            new CreateAccessPointCommand({
              AccountId: TEST_ACCOUNT,
              Name: `vigil-${name}`,
              Bucket: bucket,
            }),
          );
          return AccessPointArn ?? "";
        },
        async policyOf(control, arn) {
          try {
            const { Policy } = await control.send(
              new GetAccessPointPolicyCommand({ AccountId: TEST_ACCOUNT, Name: nameOf(arn) }),
            );
            return Policy || null;
          } catch (error) {
            if ((error as Error).name === "NoSuchAccessPointPolicy") return null;
            throw error;
          }
        },
        async setPolicy(control, arn, policy) {
          await control.send(
            new PutAccessPointPolicyCommand({
              AccountId: TEST_ACCOUNT,
              Name: nameOf(arn),
              Policy: JSON.stringify(policy),
            }),
          );
        },
        foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
        whenEmptied: "deleted",
        more({ seed, context, findingFor }) {
          it("says the access point's own Block Public Access is off and cannot be turned on", async () => {
            const bucket = "vigil-ap-open-bucket";
            await s3.send(new CreateBucketCommand({ Bucket: bucket }));
            const { AccessPointArn = "" } = await seed.send(
              new CreateAccessPointCommand({
                AccountId: TEST_ACCOUNT,
                Name: "vigil-open",
                Bucket: bucket,
                PublicAccessBlockConfiguration: {
                  BlockPublicAcls: false,
                  IgnorePublicAcls: false,
                  BlockPublicPolicy: false,
                  RestrictPublicBuckets: false,
                },
              }),
            );
            const arn = AccessPointArn;
            await seed.send(
              new PutAccessPointPolicyCommand({
                AccountId: TEST_ACCOUNT,
                Name: "vigil-open",
                Policy: JSON.stringify({
                  Version: "2012-10-17",
                  Statement: [statement("Public", "*", "s3:GetObject", `${arn}/object/*`)],
                }),
              }),
            );
            tags.set(arn, { team: "exports" });
            const plan = await s3AccessPointPolicy.plan(context(), findingFor(arn));
            expect(plan.changes).toHaveLength(1);
            expect(plan.tags).toEqual({ team: "exports" });
            expect(plan.reason).toContain("Block Public Access is off");
            expect(plan.reason).toContain("BlockPublicPolicy");
            expect(plan.reason).toContain("cannot be turned on");
          });
        },
      },
      "s3:GetObject",
    );
  },
);
