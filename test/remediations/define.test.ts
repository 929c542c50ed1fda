import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InputError, VigilError } from "../../src/domain/errors.ts";
import type { PlannedChange } from "../../src/domain/remediation-plan.ts";
import { defineRemediation } from "../../src/remediations/define.ts";
import { remediations } from "../../src/remediations/registry.ts";
import {
  DEFAULT_REMEDIATION_SETTINGS,
  REMEDIATION_SETTINGS_SCHEMAS,
  remediationSettingsSchema,
  sharedKeyConflicts,
} from "../../src/remediations/settings.ts";
import { makeFinding } from "./support.ts";

const finding = makeFinding("s3-encryption", "AWS::S3::Bucket", "acme-raw-landing-prod");
const step: PlannedChange = { action: "s3:PutThing", description: "put", params: {} };

/** A remediation whose plan saves `before` and whose undo reports what it was given. */
function recorder(before: Record<string, unknown>, changes: PlannedChange[] = [step]) {
  const undone: unknown[] = [];
  const remediation = defineRemediation({
    name: "recorder",
    description: "test double",
    handles: () => true,
    settings: z.object({ level: z.number().default(1) }),
    before: z.object({ bucket: z.string(), count: z.number() }),
    permissions: { plan: [], apply: [], verify: [], undo: [] },
    plan: async (ctx, f) => ({
      remediation: "recorder",
      finding: f,
      summary: `level ${ctx.settings.level}`,
      changes,
      before,
      tags: {},
      reason: "",
    }),
    apply: async () => undefined,
    verify: async (_ctx, plan) => ({ ok: true, after: {}, detail: plan.before.bucket }),
    undo: async (_ctx, plan) => {
      undone.push(plan.before);
      return { ok: true, after: {}, detail: "" };
    },
  });
  return { remediation, undone };
}

const ctx = {
  s3: new S3Client({ region: "us-east-1" }),
  iam: new IAMClient({ region: "us-east-1" }),
  settings: { level: 2 },
};

describe("defineRemediation", () => {
  it("hands undo the before-state parsed by its schema", async () => {
    const { remediation, undone } = recorder({ bucket: "b", count: 3 });
    const plan = await remediation.plan(ctx, finding);
    expect(plan.summary).toBe("level 2");
    await remediation.undo(ctx, JSON.parse(JSON.stringify(plan)), [step]);
    expect(undone).toEqual([{ bucket: "b", count: 3 }]);
  });

  it("refuses a saved before-state that does not match: InputError, undo never runs", async () => {
    const { remediation, undone } = recorder({ bucket: "b", count: 3 });
    const plan = await remediation.plan(ctx, finding);
    const edited = { ...plan, before: { bucket: "b", count: "3" } };
    await expect(remediation.undo(ctx, edited, [step])).rejects.toBeInstanceOf(InputError);
    await expect(remediation.verify(ctx, edited)).rejects.toBeInstanceOf(InputError);
    expect(() => remediation.parseBefore(edited)).toThrow(/count/);
    expect(undone).toEqual([]);
  });

  it("refuses a plan with changes whose before-state its undo could not read", async () => {
    const { remediation } = recorder({ bucket: "b" });
    const planning = remediation.plan(ctx, finding);
    await expect(planning).rejects.toBeInstanceOf(VigilError);
    await expect(planning).rejects.not.toBeInstanceOf(InputError);
  });

  it("lets a plan that changes nothing record less", async () => {
    const { remediation } = recorder({ bucket: "b" }, []);
    expect((await remediation.plan(ctx, finding)).before).toEqual({ bucket: "b" });
  });
});

describe("composed remediation settings", () => {
  it("hold every registered remediation's settings schema", () => {
    for (const remediation of remediations) {
      const schema = (remediation as { settings?: unknown }).settings;
      expect(REMEDIATION_SETTINGS_SCHEMAS, remediation.name).toContain(schema);
    }
    // Remediations built by one factory (EBS and RDS snapshots) share one schema instance.
    const distinct = new Set(
      remediations.map((remediation) => (remediation as { settings?: unknown }).settings),
    );
    expect(REMEDIATION_SETTINGS_SCHEMAS).toHaveLength(distinct.size);
  });

  it("declare each key once, shared keys through one schema instance", () => {
    expect(sharedKeyConflicts(REMEDIATION_SETTINGS_SCHEMAS)).toEqual([]);
    const a = z.object({ trustedAccounts: z.array(z.string()) });
    const b = z.object({ trustedAccounts: z.array(z.string()) });
    expect(sharedKeyConflicts([a, b])).toEqual(["trustedAccounts"]);
    expect(sharedKeyConflicts([a, a])).toEqual([]);
  });

  it("default every key and run each remediation's own cross-field rules", () => {
    const keys = REMEDIATION_SETTINGS_SCHEMAS.flatMap((schema) => Object.keys(schema.shape));
    expect(Object.keys(remediationSettingsSchema.shape).sort()).toEqual([...new Set(keys)].sort());
    expect(DEFAULT_REMEDIATION_SETTINGS.s3EncryptionAlgorithm).toBe("AES256");
    const kmsWithoutKey = remediationSettingsSchema.safeParse({ s3EncryptionAlgorithm: "aws:kms" });
    expect(kmsWithoutKey.error?.issues.map((issue) => issue.path)).toEqual([["s3KmsKeyArn"]]);
    expect(remediationSettingsSchema.safeParse({ s3Typo: true }).success).toBe(false);
  });
});
