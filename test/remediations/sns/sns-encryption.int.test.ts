import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { servicePrincipals, snsEncryption } from "../../../src/remediations/sns/sns-encryption.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../../support/moto.ts";
import {
  ActionRecorder,
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  recordingMotoContext,
} from "../support.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("sns-encryption against moto (SNS and KMS)", () => {
  const config = motoClientConfig(endpoint as string);
  const seed = new SNSClient(config);
  const seedKms = new KMSClient(config);
  const { recorder, context, watchedBy } = recordingMotoContext(config, {
    sns: SNSClient,
    kms: KMSClient,
  });

  const arnOf = (topic: string) => `arn:aws:sns:us-east-1:123456789012:${topic}`;
  const finding = (topic: string) =>
    makeFinding("sns-encryption", "AWS::SNS::Topic", topic, { resourceArn: arnOf(topic) });

  async function topic(name: string, attributes: Record<string, string> = {}) {
    await seed.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
  }
  async function keyOf(name: string): Promise<string> {
    const { Attributes = {} } = await seed.send(
      new GetTopicAttributesCommand({ TopicArn: arnOf(name) }),
    );
    return Attributes.KmsMasterKeyId ?? "";
  }
  async function newKey(): Promise<string> {
    const { KeyMetadata } = await seedKms.send(new CreateKeyCommand({}));
    return KeyMetadata?.Arn as string;
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });

  afterAll(() => {
    recorder.expectExactly(snsEncryption);
  });

  it("encrypts a topic with alias/aws/sns by default; undo removes it again", async () => {
    await topic("etl-events");
    const ctx = context();
    const { plan, verified } = await planApplyVerify(
      snsEncryption,
      ctx,
      finding("etl-events"),
      recorder,
    );
    expect(changeAt(plan).params).toMatchObject({ to: { mode: "kms", key: "alias/aws/sns" } });
    expectJsonSerialisable(plan);
    expect(verified.ok).toBe(true);
    expect(await keyOf("etl-events")).toBe("alias/aws/sns");

    const undone = await recorder.during("undo", () => snsEncryption.undo(ctx, plan, plan.changes));
    expect(undone.ok).toBe(true);
    expect(await keyOf("etl-events")).toBe("");
  });

  it("uses a configured key after DescribeKey, and never replaces a topic's own key", async () => {
    const configured = await newKey();
    const own = await newKey();
    await topic("billing");
    await topic("audit", { KmsMasterKeyId: own });
    const ctx = context({ snsKmsKeyId: configured });
    const { verified } = await planApplyVerify(snsEncryption, ctx, finding("billing"), recorder);
    expect(verified.ok).toBe(true);
    expect(await keyOf("billing")).toBe(configured);

    const kept = await recorder.during("plan", () => snsEncryption.plan(ctx, finding("audit")));
    expect(kept.changes).toEqual([]);
    expect(kept.reason).toMatch(/never replaces a topic's own KMS key/);
    expect(await keyOf("audit")).toBe(own);
  });

  it("leaves a topic AWS services publish to off alias/aws/sns, and says which key to configure", async () => {
    await topic("alarms", {
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: arnOf("alarms"),
          },
        ],
      }),
    });
    const plan = await recorder.during("plan", () =>
      snsEncryption.plan(context(), finding("alarms")),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.reason).toMatch(/cloudwatch\.amazonaws\.com publish.*snsKmsKeyId/);
    // Declined: the runner tells people once (the reason names the setting), then stays quiet.
    expect(plan.declined).toBe(plan.reason);
    expect(await keyOf("alarms")).toBe("");
  });

  it("refuses a missing key before reading the topic: zero mutating calls", async () => {
    await topic("orders");
    const watched = new ActionRecorder();
    const ctx = {
      ...context({
        snsKmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
      }),
      client: watchedBy(watched),
    };
    await expect(
      watched.during("plan", () => snsEncryption.plan(ctx, finding("orders"))),
    ).rejects.toThrow(/does not exist/);
    expect([...watched.used.plan]).toEqual(["kms:DescribeKey"]);
    expect(await keyOf("orders")).toBe("");
  });

  it("undo leaves a key someone set after Vigil alone", async () => {
    await topic("race");
    const ctx = context();
    const { plan } = await planApplyVerify(snsEncryption, ctx, finding("race"), recorder);
    const later = await newKey();
    await seed.send(
      new SetTopicAttributesCommand({
        TopicArn: arnOf("race"),
        AttributeName: "KmsMasterKeyId",
        AttributeValue: later,
      }),
    );
    const undone = await recorder.during("undo", () => snsEncryption.undo(ctx, plan, plan.changes));
    expect(undone.ok).toBe(false);
    expect(await keyOf("race")).toBe(later);
  });

  it("finds service principals in a topic policy, not account principals", () => {
    const policy = JSON.stringify({
      Statement: [
        { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "s3.amazonaws.com"] } },
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" } },
        { Effect: "Deny", Principal: { Service: "cloudwatch.amazonaws.com" } },
      ],
    });
    expect(servicePrincipals(policy)).toEqual(["events.amazonaws.com", "s3.amazonaws.com"]);
    expect(servicePrincipals(undefined)).toEqual([]);
    expect(servicePrincipals("not json")).toEqual([]);
  });
});
