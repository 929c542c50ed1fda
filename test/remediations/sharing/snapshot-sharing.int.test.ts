import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../../src/domain/errors.ts";
import type { Finding, FindingKind, ResourceType } from "../../../src/domain/finding.ts";
import type { Remediation } from "../../../src/ports/remediation.ts";
import { ebsSnapshotSharing } from "../../../src/remediations/sharing/ebs-snapshot-sharing.ts";
import { rdsSnapshotSharing } from "../../../src/remediations/sharing/rds-snapshot-sharing.ts";
import {
  motoClientConfig,
  motoEndpoint,
  resetMoto,
  TEST_ACCOUNT,
  TEST_REGION,
} from "../../support/moto.ts";
import {
  ActionRecorder,
  builtClients,
  expectJsonSerialisable,
  makeFinding,
  planApplyVerify,
  type RemediationContext,
  type RemediationSettings,
  TEST_SETTINGS,
} from "../support.ts";

const endpoint = motoEndpoint();
const PARTNER = "444455556666";
const TRUSTED = "777788889999";

function findingFor(
  kind: FindingKind,
  resourceType: ResourceType,
  arn: string,
  id: string,
  overrides: Partial<Finding> = {},
): Finding {
  return makeFinding(kind, resourceType, id, { resourceArn: arn, resourceId: arn, ...overrides });
}

describe.skipIf(!endpoint)("snapshot sharing remediations against moto", () => {
  const config = motoClientConfig(endpoint as string);
  // One recorder per remediation: each is compared with its own declared actions.
  const ebsRecorder = new ActionRecorder();
  const rdsRecorder = new ActionRecorder();
  const seedEc2 = new EC2Client(config);
  const seedRds = new RDSClient(config);
  const ec2 = new EC2Client(config);
  const rds = new RDSClient(config);
  ebsRecorder.watch(ec2, "ec2");
  rdsRecorder.watch(rds, "rds");

  function context(overrides: Partial<RemediationSettings> = {}): RemediationContext {
    return {
      s3: new S3Client(config),
      iam: new IAMClient(config),
      settings: { ...TEST_SETTINGS, trustedAccounts: [TRUSTED], ...overrides },
      client: builtClients(ec2, rds),
    };
  }

  beforeEach(async () => {
    await resetMoto(endpoint as string);
  });

  afterAll(() => {
    ebsRecorder.expectExactly(ebsSnapshotSharing);
    rdsRecorder.expectExactly(rdsSnapshotSharing);
  });

  /** plan → apply → verify, then undo, each phase recorded. */
  async function remediateAndUndo(
    recorder: ActionRecorder,
    remediation: Remediation,
    ctx: RemediationContext,
    f: Finding,
  ) {
    const { plan, verified } = await planApplyVerify(remediation, ctx, f, recorder);
    expectJsonSerialisable(plan);
    const undone = await recorder.during("undo", () => remediation.undo(ctx, plan, plan.changes));
    return { plan, verified, undone };
  }

  describe("EBS snapshots", () => {
    async function snapshot(share: { groups?: string[]; users?: string[] } = {}) {
      const volume = await seedEc2.send(
        new CreateVolumeCommand({ AvailabilityZone: `${TEST_REGION}a`, Size: 1 }),
      );
      const created = await seedEc2.send(
        new CreateSnapshotCommand({ VolumeId: volume.VolumeId as string }),
      );
      const id = created.SnapshotId as string;
      if (share.groups || share.users) {
        await seedEc2.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: id,
            Attribute: "createVolumePermission",
            OperationType: "add",
            ...(share.groups ? { GroupNames: share.groups } : {}),
            ...(share.users ? { UserIds: share.users } : {}),
          }),
        );
      }
      const arn = `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:snapshot/${id}`;
      return { id, finding: findingFor("ebs-snapshot-sharing", "AWS::EC2::Snapshot", arn, id) };
    }

    async function sharedWith(id: string): Promise<string[]> {
      const response = await seedEc2.send(
        new DescribeSnapshotAttributeCommand({
          SnapshotId: id,
          Attribute: "createVolumePermission",
        }),
      );
      return (response.CreateVolumePermissions ?? [])
        .map((permission) => permission.Group ?? permission.UserId ?? "?")
        .sort();
    }

    it("removes public sharing, keeps partner and trusted accounts, and undo re-adds exactly it", async () => {
      const { id, finding } = await snapshot({ groups: ["all"], users: [PARTNER, TRUSTED] });
      const { plan, verified, undone } = await remediateAndUndo(
        ebsRecorder,
        ebsSnapshotSharing,
        context(),
        finding,
      );
      expect(plan.changes).toHaveLength(1);
      expect(plan.changes[0]?.params).toMatchObject({ remove: ["all"] });
      expect(plan.changes[0]?.action).toBe("ec2:ModifySnapshotAttribute");
      expect(plan.reason).toContain(`account ${PARTNER}`);
      expect(plan.reason).toContain("stripExternalAccounts");
      expect(verified.ok).toBe(true);
      expect(undone.ok).toBe(true);
      expect(await sharedWith(id)).toEqual(["all", PARTNER, TRUSTED].sort());
    });

    it("with stripExternalAccounts also removes the partner but never a trusted account", async () => {
      const { id, finding } = await snapshot({ groups: ["all"], users: [PARTNER, TRUSTED] });
      const ctx = context({ stripExternalAccounts: true });
      const { plan, verified } = await planApplyVerify(
        ebsSnapshotSharing,
        ctx,
        finding,
        ebsRecorder,
      );
      expect(plan.changes[0]?.params).toMatchObject({ remove: ["all", PARTNER] });
      expect(verified.ok).toBe(true);
      expect(await sharedWith(id)).toEqual([TRUSTED]);
    });

    it("plans nothing for a snapshot shared with no one", async () => {
      const { finding } = await snapshot();
      const plan = await ebsRecorder.during("plan", () =>
        ebsSnapshotSharing.plan(context(), finding),
      );
      expect(plan.changes).toEqual([]);
      expect(plan.reason).toContain("not shared");
    });

    it("undo leaves a snapshot alone when its sharing changed since Vigil's change", async () => {
      const { id, finding } = await snapshot({ groups: ["all"] });
      const ctx = context();
      const { plan } = await planApplyVerify(ebsSnapshotSharing, ctx, finding, ebsRecorder);
      await seedEc2.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: id,
          Attribute: "createVolumePermission",
          OperationType: "add",
          UserIds: [PARTNER],
        }),
      );
      const undone = await ebsRecorder.during("undo", () =>
        ebsSnapshotSharing.undo(ctx, plan, plan.changes),
      );
      expect(undone.ok).toBe(false);
      expect(undone.detail).toContain("not restored");
      expect(await sharedWith(id)).toEqual([PARTNER]);
    });

    it("apply refuses when the sharing changed since planning", async () => {
      const { id, finding } = await snapshot({ groups: ["all"] });
      const ctx = context();
      const plan = await ebsSnapshotSharing.plan(ctx, finding);
      await seedEc2.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: id,
          Attribute: "createVolumePermission",
          OperationType: "add",
          UserIds: [PARTNER],
        }),
      );
      const change = plan.changes[0];
      if (!change) throw new Error("no change planned");
      await expect(ebsSnapshotSharing.apply(ctx, plan, change)).rejects.toThrow(/changed/);
      expect(await sharedWith(id)).toEqual(["all", PARTNER].sort());
    });

    it.each([
      ["another account", `arn:aws:ec2:${TEST_REGION}:${PARTNER}:snapshot/snap-0123456789abcdef0`],
      ["another region", `arn:aws:ec2:eu-west-1:${TEST_ACCOUNT}:snapshot/snap-0123456789abcdef0`],
      ["another partition", `arn:aws-cn:ec2:${TEST_REGION}:${TEST_ACCOUNT}:snapshot/snap-01234567`],
      ["a volume", `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:volume/vol-0123456789abcdef0`],
      ["an injected id", `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:snapshot/snap-01234567 all`],
    ])("refuses %s before any AWS call", async (_what, arn) => {
      const calls = ebsRecorder.calls;
      const bad = findingFor("ebs-snapshot-sharing", "AWS::EC2::Snapshot", arn, "x");
      await expect(
        ebsRecorder.during("plan", () => ebsSnapshotSharing.plan(context(), bad)),
      ).rejects.toThrow(InputError);
      expect(ebsRecorder.calls).toBe(calls);
    });
  });

  describe("RDS snapshots", () => {
    async function dbSnapshot(name: string, share: string[] = []) {
      await seedRds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: `${name}-db`,
          DBInstanceClass: "db.t3.micro",
          Engine: "postgres",
          MasterUsername: "vigil",
          MasterUserPassword: "not-a-secret-1",
          AllocatedStorage: 20,
        }),
      );
      await seedRds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: `${name}-db`,
          DBSnapshotIdentifier: name,
          Tags: [{ Key: "team", Value: "data" }],
        }),
      );
      if (share.length > 0) {
        await seedRds.send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: name,
            AttributeName: "restore",
            ValuesToAdd: share,
          }),
        );
      }
      const arn = `arn:aws:rds:${TEST_REGION}:${TEST_ACCOUNT}:snapshot:${name}`;
      return findingFor("rds-snapshot-sharing", "AWS::RDS::DBSnapshot", arn, name);
    }

    async function clusterSnapshot(name: string, share: string[]) {
      await seedRds.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: `${name}-cluster`,
          Engine: "aurora-postgresql",
          MasterUsername: "vigil",
          MasterUserPassword: "not-a-secret-1",
        }),
      );
      await seedRds.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: `${name}-cluster`,
          DBClusterSnapshotIdentifier: name,
        }),
      );
      await seedRds.send(
        new ModifyDBClusterSnapshotAttributeCommand({
          DBClusterSnapshotIdentifier: name,
          AttributeName: "restore",
          ValuesToAdd: share,
        }),
      );
      const arn = `arn:aws:rds:${TEST_REGION}:${TEST_ACCOUNT}:cluster-snapshot:${name}`;
      return findingFor("rds-snapshot-sharing", "AWS::RDS::DBClusterSnapshot", arn, name);
    }

    async function restorableBy(name: string): Promise<string[]> {
      const response = await seedRds.send(
        new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: name }),
      );
      return (
        response.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find(
          (attribute) => attribute.AttributeName === "restore",
        )?.AttributeValues ?? []
      ).sort();
    }

    it("removes public restore from a DB snapshot, reads its tags, and undo re-adds it", async () => {
      const finding = await dbSnapshot("exports-2026", ["all", PARTNER]);
      const { plan, verified, undone } = await remediateAndUndo(
        rdsRecorder,
        rdsSnapshotSharing,
        context(),
        finding,
      );
      expect(plan.tags).toEqual({ team: "data" });
      expect(plan.changes[0]?.params).toMatchObject({ remove: ["all"] });
      expect(plan.changes[0]?.action).toBe("rds:ModifyDBSnapshotAttribute");
      expect(verified.ok).toBe(true);
      expect(undone.ok).toBe(true);
      expect(await restorableBy("exports-2026")).toEqual(["all", PARTNER].sort());
    });

    it("removes public and external restore from a cluster snapshot with stripExternalAccounts", async () => {
      const finding = await clusterSnapshot("analytics-2026", ["all", PARTNER, TRUSTED]);
      const ctx = context({ stripExternalAccounts: true });
      const { plan, verified, undone } = await remediateAndUndo(
        rdsRecorder,
        rdsSnapshotSharing,
        ctx,
        finding,
      );
      expect(plan.changes[0]?.action).toBe("rds:ModifyDBClusterSnapshotAttribute");
      expect(plan.changes[0]?.params).toMatchObject({ remove: ["all", PARTNER] });
      expect(verified.ok).toBe(true);
      expect(verified.after).toEqual({ shares: [TRUSTED] });
      expect(undone.ok).toBe(true);
      const restored = await seedRds.send(
        new DescribeDBClusterSnapshotAttributesCommand({
          DBClusterSnapshotIdentifier: "analytics-2026",
        }),
      );
      expect(
        restored.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues?.sort(),
      ).toEqual(["all", PARTNER, TRUSTED].sort());
    });

    it("plans nothing for a snapshot restorable only by trusted accounts", async () => {
      const finding = await dbSnapshot("internal-2026", [TRUSTED]);
      const plan = await rdsRecorder.during("plan", () =>
        rdsSnapshotSharing.plan(context({ stripExternalAccounts: true }), finding),
      );
      expect(plan.changes).toEqual([]);
    });

    it.each([
      ["an automated snapshot", `arn:aws:rds:${TEST_REGION}:${TEST_ACCOUNT}:snapshot:rds:db-2026`],
      ["another account", `arn:aws:rds:${TEST_REGION}:${PARTNER}:snapshot:exports`],
      ["a DB instance", `arn:aws:rds:${TEST_REGION}:${TEST_ACCOUNT}:db:exports`],
    ])("refuses %s before any AWS call", async (_what, arn) => {
      const calls = rdsRecorder.calls;
      const bad = findingFor("rds-snapshot-sharing", "AWS::RDS::DBSnapshot", arn, "x");
      await expect(
        rdsRecorder.during("plan", () => rdsSnapshotSharing.plan(context(), bad)),
      ).rejects.toThrow(InputError);
      expect(rdsRecorder.calls).toBe(calls);
    });
  });
});
