import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  ResourceNotFoundException,
  type SSEDescription,
  type SSESpecification,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { dynamodbEncryption } from "../../../src/remediations/dynamodb/dynamodb-encryption.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../../support/moto.ts";
import {
  changeAt,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  recordingMotoContext,
  UNUSABLE_KMS_KEYS,
} from "../support.ts";

const endpoint = motoEndpoint();

/**
 * DynamoDB itself is a fake here: moto's UpdateTable ignores SSESpecification (it only reads it at
 * CreateTable), so a table could never change key. The fake keeps each table's SSEDescription as
 * DynamoDB reports it (the key by ARN, the AWS owned key as no description) and records the IAM
 * action of every call, the middleware that records real clients being bypassed by the mock.
 */
describe.skipIf(!endpoint)(
  "dynamodb-encryption (DynamoDB mocked: moto ignores UpdateTable's SSESpecification; KMS on moto)",
  () => {
    const config = motoClientConfig(endpoint as string);
    const seedKms = new KMSClient(config);
    const { recorder, context } = recordingMotoContext(config, {
      dynamodb: DynamoDBClient,
      kms: KMSClient,
    });
    const dynamo = mockClient(DynamoDBClient);
    const tables = new Map<
      string,
      { sse?: SSEDescription | undefined; tags: Record<string, string> }
    >();
    let managedKeyArn = "";

    const arnOf = (table: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`;
    const finding = (table: string) =>
      makeFinding("dynamodb-encryption", "AWS::DynamoDB::Table", table, {
        resourceArn: arnOf(table),
      });
    function tableOf(name: string | undefined) {
      const table = tables.get(name ?? "");
      if (!table) {
        throw new ResourceNotFoundException({ message: `no table ${name}`, $metadata: {} });
      }
      return table;
    }
    function sseFrom(spec: SSESpecification): SSEDescription | undefined {
      if (!spec.Enabled) return undefined;
      return { Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: spec.KMSMasterKeyId };
    }

    async function newKey(): Promise<string> {
      const { KeyMetadata } = await seedKms.send(new CreateKeyCommand({}));
      return KeyMetadata?.Arn as string;
    }
    const keyOf = (table: string) => tables.get(arnOf(table))?.sse?.KMSMasterKeyArn;

    beforeEach(async () => {
      await resetMoto(endpoint as string);
      const { KeyMetadata } = await seedKms.send(
        new DescribeKeyCommand({ KeyId: "alias/aws/dynamodb" }),
      );
      managedKeyArn = KeyMetadata?.Arn as string;
      tables.clear();
      dynamo.reset();
      dynamo.on(DescribeTableCommand).callsFake(({ TableName }) => {
        recorder.record("dynamodb:DescribeTable");
        const { sse } = tableOf(TableName);
        return { Table: { TableName, ...(sse ? { SSEDescription: sse } : {}) } };
      });
      dynamo.on(ListTagsOfResourceCommand).callsFake(({ ResourceArn }) => {
        recorder.record("dynamodb:ListTagsOfResource");
        const { tags } = tableOf(ResourceArn);
        return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
      });
      dynamo.on(UpdateTableCommand).callsFake(({ TableName, SSESpecification }) => {
        recorder.record("dynamodb:UpdateTable");
        tableOf(TableName).sse = sseFrom(SSESpecification ?? {});
        return {};
      });
    });

    afterAll(() => {
      dynamo.restore();
      recorder.expectExactly(dynamodbEncryption);
    });

    function table(name: string, key?: string, tags: Record<string, string> = {}) {
      tables.set(arnOf(name), {
        tags,
        ...(key ? { sse: { Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: key } } : {}),
      });
    }

    it("moves a table off the AWS owned key to aws/dynamodb by default; undo restores the owned key", async () => {
      table("orders");
      const ctx = context();
      const { plan, verified } = await planApplyVerify(
        dynamodbEncryption,
        ctx,
        finding("orders"),
        recorder,
      );
      expect(changeAt(plan)).toMatchObject({
        action: "dynamodb:UpdateTable",
        params: { from: { mode: "service" }, to: { mode: "kms", key: managedKeyArn } },
      });
      expect(plan.summary).toMatch(/AWS managed key aws\/dynamodb/);
      expectJsonSerialisable(plan);
      expect(verified.ok).toBe(true);
      expect(keyOf("orders")).toBe(managedKeyArn);

      const undone = await recorder.during("undo", () =>
        dynamodbEncryption.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(true);
      expect(tables.get(arnOf("orders"))?.sse).toBeUndefined();
    });

    it("uses a configured key after DescribeKey, and never replaces a table's own key", async () => {
      const configured = await newKey();
      const own = await newKey();
      table("payments");
      table("ledger", own);
      const ctx = context({ dynamodbKmsKeyArn: configured });
      const { plan, verified } = await planApplyVerify(
        dynamodbEncryption,
        ctx,
        finding("payments"),
        recorder,
      );
      expect(verified.ok).toBe(true);
      expect(plan.reason).toMatch(/key policy must let the table's readers and writers/);
      expect(keyOf("payments")).toBe(configured);

      const kept = await recorder.during("plan", () =>
        dynamodbEncryption.plan(ctx, finding("ledger")),
      );
      expect(kept.changes).toEqual([]);
      expect(kept.reason).toMatch(/never replaces a table's own KMS key/);
      expect(keyOf("ledger")).toBe(own);
    });

    it("never moves a table's own key to the AWS managed key, even with replaceExistingKmsKey", async () => {
      const own = await newKey();
      table("audit", own);
      const plan = await recorder.during("plan", () =>
        dynamodbEncryption.plan(context({ replaceExistingKmsKey: true }), finding("audit")),
      );
      expect(plan.changes).toEqual([]);
      expect(plan.reason).toMatch(/never downgrades a KMS-encrypted table/);
      expect(keyOf("audit")).toBe(own);
    });

    it("replaces a table's own key with a configured one only with replaceExistingKmsKey; undo puts it back", async () => {
      const configured = await newKey();
      const own = await newKey();
      table("events", own);
      const ctx = context({ dynamodbKmsKeyArn: configured, replaceExistingKmsKey: true });
      const { plan, verified } = await planApplyVerify(
        dynamodbEncryption,
        ctx,
        finding("events"),
        recorder,
      );
      expect(verified.ok).toBe(true);
      expect(keyOf("events")).toBe(configured);
      const undone = await recorder.during("undo", () =>
        dynamodbEncryption.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(true);
      expect(keyOf("events")).toBe(own);
    });

    it("bad key settings fail before the table is read: zero DynamoDB calls", async () => {
      table("sessions");
      for (const [key, error] of UNUSABLE_KMS_KEYS) {
        const before = dynamo.calls().length;
        await expect(
          dynamodbEncryption.plan(context({ dynamodbKmsKeyArn: key }), finding("sessions")),
        ).rejects.toThrow(error);
        expect(dynamo.calls().length).toBe(before);
      }
      expect(tables.get(arnOf("sessions"))?.sse).toBeUndefined();
    });

    it("apply refuses a table given a key since planning; undo leaves a later key alone", async () => {
      table("race");
      const ctx = context();
      const plan = await recorder.during("plan", () =>
        dynamodbEncryption.plan(ctx, finding("race")),
      );
      const someone = await newKey();
      table("race", someone);
      await expect(
        recorder.during("apply", () => dynamodbEncryption.apply(ctx, plan, changeAt(plan))),
      ).rejects.toThrow(/changed since planning/);
      const undone = await recorder.during("undo", () =>
        dynamodbEncryption.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(false);
      expect(undone.detail).toMatch(/not what Vigil set/);
      expect(keyOf("race")).toBe(someone);
    });

    it("reads the table's tags for exemptions", async () => {
      table("tagged", undefined, { "vigil:exempt": "true" });
      const plan = await recorder.during("plan", () =>
        dynamodbEncryption.plan(context(), finding("tagged")),
      );
      expect(plan.tags).toEqual({ "vigil:exempt": "true" });
    });
  },
);
