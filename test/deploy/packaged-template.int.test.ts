/**
 * Least privilege and hygiene, proven on the real artifact: `serverless package` runs (offline, no
 * credentials, in a private copy of the service) and the CloudFormation template it writes is
 * checked against what the code declares.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putManagedConfigRules, withRuleArn } from "../../sandbox/config-rules.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { DEAD_LETTER_QUEUES, normalizedName, serviceName } from "../../src/deploy/alarms.ts";
import {
  chunkOf,
  dynamicImportsOf,
  loadedWith,
  unresolvedImports,
} from "../../src/deploy/bundle-graph.ts";
import { functionPermissions, functionScopes } from "../../src/deploy/function-permissions.ts";
import {
  AWS_FORCES_STAR_ACTIONS,
  OPERATOR_ROLE_LOGICAL_ID,
  RESOURCE_POLICY_SCOPES,
  ROLE_LOGICAL_IDS,
} from "../../src/deploy/iam-roles.ts";
import { type PackagedService, packageService } from "../../src/deploy/package-service.ts";
import { readZip } from "../../src/deploy/zip.ts";
import { remediations } from "../../src/remediations/registry.ts";
import { motoClientConfig, motoEndpoint } from "../support/moto.ts";

type Json = unknown;
interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}
interface Resource {
  Type: string;
  Properties: Record<string, Json> & { [key: string]: Json };
  Condition?: string;
}

/**
 * Actions AWS offers no resource-level permission for: "*" is the only resource they accept
 * (checked against IAM's catalogue in iam-simulation.int.test.ts).
 */
const AWS_FORCES_STAR = AWS_FORCES_STAR_ACTIONS;

/**
 * What the Lambda service itself needs from a function's role, beyond what its code calls:
 * writing its own logs; delivering a failed asynchronous invocation to the failure queue (or, for
 * an SQS-triggered function, reading its queue); and the KMS key every topic and queue uses.
 */
function runtimeNeeds(fn: string): string[] {
  const logs = ["logs:CreateLogStream", "logs:PutLogEvents"];
  const kms = ["kms:Decrypt", "kms:GenerateDataKey"];
  const delivery =
    fn === "detectWorker"
      ? ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
      : ["sqs:SendMessage"];
  return [...logs, ...kms, ...delivery];
}

const SERVICE_FUNCTIONS = Object.keys(ROLE_LOGICAL_IDS);

let packaged: PackagedService;
let resources: Record<string, Resource>;

const ofType = (type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type) as Array<[string, Resource]>;
const statementsOf = (roleId: string): Statement[] => {
  const policies = (resources[roleId]?.Properties.Policies ?? []) as Array<{
    PolicyDocument: { Statement: Statement[] };
  }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
};
const actions = (s: Statement) => [s.Action].flat();
/** The IAM roles of a template with a statement granting cloudtrail:LookupEvents, by id. */
const rolesLookingUpEvents = (template: Record<string, Resource>) =>
  Object.entries(template)
    .filter(([, r]) => r.Type === "AWS::IAM::Role")
    .filter(([, r]) =>
      ((r.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>)
        .flatMap((p) => p.PolicyDocument.Statement)
        .some((st) => st.Effect === "Allow" && actions(st).includes("cloudtrail:LookupEvents")),
    )
    .map(([id]) => id)
    .sort();
const resourcesOf = (s: Statement) => [s.Resource].flat();
const functionId = (fn: string) => `${normalizedName(fn)}LambdaFunction`;
const environmentOf = (fn: string): Record<string, Json> => {
  const environment = resources[functionId(fn)]?.Properties.Environment as
    | { Variables: Record<string, Json> }
    | undefined;
  return environment?.Variables ?? {};
};

beforeAll(async () => {
  packaged = await packageService({ stage: "ci" });
  resources = packaged.template.Resources as Record<string, Resource>;
}, 180_000);

afterAll(async () => {
  await packaged?.cleanup();
});

describe("packaged template: one least-privilege role per function", () => {
  it("packages every function, each with its own role (no sharing)", () => {
    const functions = ofType("AWS::Lambda::Function");
    expect(functions.map(([id]) => id).sort()).toEqual(SERVICE_FUNCTIONS.map(functionId).sort());
    const roles = functions.map(
      ([, f]) => (f.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"],
    );
    for (const [fn, roleId] of Object.entries(ROLE_LOGICAL_IDS)) {
      expect(resources[functionId(fn)]?.Properties.Role).toEqual({ "Fn::GetAtt": [roleId, "Arn"] });
    }
    expect(new Set(roles.map((r) => r?.[0])).size).toBe(functions.length);
    // No role other than the generated ones (e.g. a shared default role), and the operator's.
    expect(
      ofType("AWS::IAM::Role")
        .map(([id]) => id)
        .sort(),
    ).toEqual([...Object.values(ROLE_LOGICAL_IDS), OPERATOR_ROLE_LOGICAL_ID].sort());
  });

  it("exemptions.tags not verified (vigil.config.yaml): no role may call cloudtrail:LookupEvents", () => {
    expect(rolesLookingUpEvents(resources)).toEqual([]);
  });

  it("only the operator role may attach or put identity policies (undo); no function can", () => {
    // Quarantine attaches the stack's deny-all policy and nothing else (iam:PolicyARN condition);
    // no function may put an inline policy (issue 14 item 6).
    const grantsAccess = (action: string) =>
      /^iam:(Attach(User|Role|Group)Policy|Put(User|Role|Group)Policy)$/.test(action);
    for (const [fn, roleId] of Object.entries(ROLE_LOGICAL_IDS)) {
      const granting = statementsOf(roleId).filter(
        (s) => s.Effect === "Allow" && actions(s).some(grantsAccess),
      );
      for (const statement of granting) {
        expect(statement, fn).toMatchObject({
          Sid: "AttachQuarantinePolicyOnly",
          Action: ["iam:AttachRolePolicy"],
          Condition: {
            ArnEquals: {
              "iam:PolicyARN": {
                "Fn::Sub":
                  "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/vigil-quarantine/VigilQuarantineDenyAll",
              },
            },
          },
        });
      }
    }
    expect(resources.VigilQuarantinePolicy?.Type).toBe("AWS::IAM::ManagedPolicy");
    const operator = statementsOf(OPERATOR_ROLE_LOGICAL_ID)
      .filter((s) => s.Effect === "Allow")
      .flatMap(actions);
    expect(operator).toEqual(expect.arrayContaining(["iam:AttachUserPolicy", "kms:VerifyMac"]));
    expect(resources[OPERATOR_ROLE_LOGICAL_ID]?.Properties.RoleName).toBe("vigil-ci-operator");
  });

  it("the journal bucket denies object writes to everyone but Vigil's writer roles", () => {
    const policy = resources.JournalBucketPolicy?.Properties.PolicyDocument as {
      Statement: Statement[];
    };
    const deny = policy.Statement.find((s) => s.Sid === "OnlyVigilWritesTheJournal");
    expect(deny).toMatchObject({ Effect: "Deny", Principal: "*" });
    expect(actions(deny as Statement)).toEqual(
      expect.arrayContaining(["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]),
    );
    const allowed = JSON.stringify(deny?.Condition);
    for (const fn of ["onConfigComplianceChange", "onAccessAnalyzerFinding", "reconcile"]) {
      expect(allowed).toContain(`role/vigil-ci-${fn}`);
    }
    expect(allowed).toContain("role/vigil-ci-operator");
    // The detect functions and the hourly remediation digest write the page ledger (alerts/)
    // and nothing else of the journal.
    const ledgerOnly = policy.Statement.find((s) => s.Sid === "DetectionWritesOnlyThePageLedger");
    expect(ledgerOnly).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      NotResource: [
        { "Fn::Sub": "${JournalBucket.Arn}/alerts/*" },
        { "Fn::Sub": "${JournalBucket.Arn}/graph-images/*" },
      ],
    });
    expect(actions(ledgerOnly as Statement)).toEqual(actions(deny as Statement));
    expect(JSON.stringify(ledgerOnly?.Condition)).toBe(
      JSON.stringify({
        ArnEquals: {
          "aws:PrincipalArn": ["detect", "remediationDigest", "detectWorker"].map((fn) => ({
            "Fn::Sub": `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/vigil-ci-${fn}`,
          })),
        },
      }),
    );
    expect(resources.JournalMacKey?.Properties).toMatchObject({
      KeySpec: "HMAC_256",
      KeyUsage: "GENERATE_VERIFY_MAC",
    });
  });

  it.each(SERVICE_FUNCTIONS)("%s: Allow actions = what its code declares + runtime needs", (fn) => {
    const roleId = ROLE_LOGICAL_IDS[fn] as string;
    const allowed = new Set(
      statementsOf(roleId)
        .filter((s) => s.Effect === "Allow")
        .flatMap(actions),
    );
    const declared = functionPermissions()[fn] ?? [];
    expect([...allowed].sort()).toEqual([...new Set([...declared, ...runtimeNeeds(fn)])].sort());
  });

  it.each(SERVICE_FUNCTIONS)("%s: no * action; resources scoped wherever AWS allows", (fn) => {
    const roleId = ROLE_LOGICAL_IDS[fn] as string;
    const role = resources[roleId] as Resource;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.RoleName).toBe(`vigil-ci-${fn}`);
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
    const scope = functionScopes()[fn];
    for (const statement of statementsOf(roleId)) {
      for (const action of actions(statement)) {
        expect(action, `${fn} ${statement.Sid}`).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      }
      if (statement.Effect === "Deny") continue;
      const targets = resourcesOf(statement);
      if (targets.includes("*")) {
        expect(
          actions(statement).every((a) => AWS_FORCES_STAR.has(a)),
          statement.Sid,
        ).toBe(true);
        continue;
      }
      const text = JSON.stringify(targets);
      for (const action of actions(statement)) {
        const service = action.split(":")[0];
        const policyScope = RESOURCE_POLICY_SCOPES[action];
        // The resource-policy remediations: this account's queues, topics, keys, secrets.
        if (policyScope && statement.Sid?.startsWith("Remediate"))
          expect(targets).toEqual([{ "Fn::Sub": policyScope.arn }]);
        else if (service === "logs")
          expect(text).toContain(`log-group:/aws/lambda/vigil-ci-${fn}:*`);
        else if (action === "kms:GenerateMac" || action === "kms:VerifyMac")
          expect(targets).toEqual([{ "Fn::GetAtt": ["JournalMacKey", "Arn"] }]);
        else if (action === "kms:DescribeKey")
          // The encryption remediations' configured keys: this account's keys only.
          expect(text).toContain(":kms:*:${AWS::AccountId}:key/*");
        else if (service === "kms")
          expect(targets).toEqual([{ "Fn::GetAtt": ["AlertsKey", "Arn"] }]);
        else if (action === "sns:Publish") expect(targets).toEqual([{ Ref: "AlertsTopic" }]);
        else if (service === "sns") expect(text).toContain(":sns:*:${AWS::AccountId}:*");
        else if (action === "sqs:SendMessage") {
          const queues = targets.map((t) => (t as { "Fn::GetAtt": string[] })["Fn::GetAtt"]?.[0]);
          for (const queue of queues) {
            expect([...(scope?.queues ?? []), "FailureQueue"]).toContain(queue);
          }
        } else if (statement.Sid === "RemediateQueues") {
          // sqs-encryption: the account's own queues.
          expect(text).toContain(":sqs:*:${AWS::AccountId}:*");
        } else if (service === "sqs") {
          expect(targets).toEqual([{ "Fn::GetAtt": ["ShardQueue", "Arn"] }]);
        } else if (action === "sts:AssumeRole") {
          expect(scope?.memberRole).toBeDefined();
          expect(text).toMatch(new RegExp(`:role/${scope?.memberRole}"`));
          expect(text).not.toMatch(/iam::\*/);
        } else if (action === "ssm:GetParametersByPath") {
          // Central exemptions: the configured path (vigil.config.yaml) and nothing wider.
          expect(statement.Sid).toBe("ReadExemptionParameters");
          expect(targets).toEqual([
            {
              "Fn::Sub":
                "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/vigil/exemptions",
            },
          ]);
        } else if (service === "ssm") expect(text).toContain(":parameter/vigil/*");
        else if (service === "secretsmanager") expect(text).toContain(":secret:vigil/*");
        else if (service === "config") expect(text).toContain(":config-rule/*");
        else if (service === "access-analyzer") expect(text).toContain(":analyzer/*");
        else if (service === "ec2") expect(text).toContain("::snapshot/*");
        else if (service === "kinesis") {
          // kinesis-encryption: the account's streams, and its keys (IAM's kmsKey resource type).
          expect(targets).toEqual([
            { "Fn::Sub": "arn:${AWS::Partition}:kinesis:*:${AWS::AccountId}:stream/*" },
            { "Fn::Sub": "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*" },
          ]);
        } else if (service === "cloudtrail") {
          // cloudtrail-encryption: the account's own trails.
          expect(targets).toEqual([
            { "Fn::Sub": "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*" },
          ]);
        } else if (service === "dynamodb") {
          expect(targets).toEqual([
            { "Fn::Sub": "arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*" },
          ]);
        } else if (service === "rds") expect(text).toContain(":snapshot:*");
        else if (service === "s3") {
          const journal = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"];
          if (journal.includes(action)) expect(text).toContain("JournalBucket");
          else expect(text).toContain(":s3:::*");
        } else if (service === "iam")
          expect(text).toMatch(/:iam::\$\{AWS::AccountId\}:|:iam::aws:policy/);
        else throw new Error(`${fn}: no scoping rule in this test for ${action}`);
      }
    }
  });

  it("roles that can write IAM can never change Vigil's own roles", () => {
    for (const [fn, roleId] of Object.entries(ROLE_LOGICAL_IDS)) {
      const writes = statementsOf(roleId)
        .filter((s) => s.Effect === "Allow")
        .flatMap(actions)
        .filter((a) => /^iam:(Put|Attach|Detach|Delete|Create|Update)/.test(a));
      if (writes.length === 0) continue;
      const deny = statementsOf(roleId).find((s) => s.Effect === "Deny");
      expect(deny, fn).toBeDefined();
      expect(actions(deny as Statement).sort()).toEqual([...new Set(writes)].sort());
      expect(JSON.stringify(deny?.Resource)).toContain(":role/vigil-*");
    }
  });
});

describe("packaged template: encryption, exposure, failure visibility", () => {
  it("every topic and queue is KMS-encrypted; every bucket encrypted and private; the journal versioned and TLS-only", () => {
    expect(ofType("AWS::SNS::Topic").length).toBeGreaterThan(0);
    for (const [id, topic] of ofType("AWS::SNS::Topic")) {
      expect(topic.Properties.KmsMasterKeyId, id).toEqual({ Ref: "AlertsKey" });
    }
    const queues = ofType("AWS::SQS::Queue");
    expect(queues.map(([id]) => id).sort()).toEqual(
      ["AlertDeadLetterQueue", "FailureQueue", "ShardDeadLetterQueue", "ShardQueue"].sort(),
    );
    for (const [id, queue] of queues) {
      expect(queue.Properties.KmsMasterKeyId, id).toEqual({ Ref: "AlertsKey" });
    }
    expect((resources.AlertsKey as Resource).Properties.EnableKeyRotation).toBe(true);
    for (const [id, bucket] of ofType("AWS::S3::Bucket")) {
      expect(bucket.Properties.BucketEncryption, id).toBeDefined();
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policy = ofType("AWS::S3::BucketPolicy").find(
        ([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: id }),
      );
      const document = policy?.[1].Properties.PolicyDocument as { Statement: Statement[] };
      const tls = (document?.Statement ?? []).find(
        (s) => s.Effect === "Deny" && JSON.stringify(s.Condition).includes("aws:SecureTransport"),
      );
      expect(tls, `${id} TLS-only policy`).toBeDefined();
    }
    expect((resources.JournalBucket as Resource).Properties.VersioningConfiguration).toEqual({
      Status: "Enabled",
    });
  });

  it("log groups keep logs for the configured retention", () => {
    const groups = ofType("AWS::Logs::LogGroup");
    expect(groups).toHaveLength(SERVICE_FUNCTIONS.length);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(90);
  });

  it("remediators have reserved concurrency (blast radius); async functions an on-failure queue", () => {
    const reserved = (fn: string) =>
      resources[functionId(fn)]?.Properties.ReservedConcurrentExecutions;
    expect(reserved("onConfigComplianceChange")).toBe(5);
    expect(reserved("onAccessAnalyzerFinding")).toBe(5);
    expect(reserved("reconcile")).toBe(1);
    expect(reserved("detect")).toBe(1);
    expect(reserved("detectFanout")).toBe(1);
    const configs = ofType("AWS::Lambda::EventInvokeConfig");
    expect(configs).toHaveLength(SERVICE_FUNCTIONS.length - 1);
    for (const [id, config] of configs) {
      expect(config.Properties.DestinationConfig, id).toEqual({
        OnFailure: { Destination: { "Fn::GetAtt": ["FailureQueue", "Arn"] } },
      });
    }
    const fanout = configs.find(([id]) => id.startsWith("DetectFanout"));
    expect(fanout?.[1].Properties.MaximumRetryAttempts).toBe(0);
  });

  it("workers take shards from the queue with partial batch responses; failed shards end in a DLQ", () => {
    const [[, mapping]] = ofType("AWS::Lambda::EventSourceMapping") as [[string, Resource]];
    expect(mapping.Properties.EventSourceArn).toEqual({ "Fn::GetAtt": ["ShardQueue", "Arn"] });
    expect(mapping.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    const queue = (resources.ShardQueue as Resource).Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": ["ShardDeadLetterQueue", "Arn"] },
      maxReceiveCount: 3,
    });
    const timeout = resources[functionId("detectWorker")]?.Properties.Timeout as number;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it("every function: errors, throttles and ERROR logs alarmed; every DLQ's depth; silence of detection", async () => {
    const alarms = ofType("AWS::CloudWatch::Alarm");
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: "AlertsTopic" }]);
    }
    const watched = (metric: string) =>
      alarms
        .filter(([, a]) => a.Properties.MetricName === metric)
        .map(([, a]) => (a.Properties.Dimensions as Array<{ Value: Json }>)[0]?.Value);
    const names = SERVICE_FUNCTIONS.map((fn) => `vigil-ci-${fn}`).sort();
    expect((watched("Errors") as string[]).sort()).toEqual(names);
    expect((watched("Throttles") as string[]).sort()).toEqual(names);
    expect(watched("ApproximateNumberOfMessagesVisible")).toEqual(
      DEAD_LETTER_QUEUES.map((q) => ({ "Fn::GetAtt": [q, "QueueName"] })),
    );
    const filters = ofType("AWS::Logs::MetricFilter");
    for (const fn of SERVICE_FUNCTIONS) {
      const filter = filters.find(
        ([, f]) =>
          JSON.stringify(f.Properties.LogGroupName) ===
            JSON.stringify({ Ref: `${normalizedName(fn)}LogGroup` }) &&
          f.Properties.FilterPattern === '{ $.level = "ERROR" }',
      );
      expect(filter, `${fn} ERROR log filter`).toBeDefined();
    }
    const { detection } = await loadConfigFile("vigil.config.yaml");
    for (const fn of ["detect", "detectFanout"]) {
      const silent = resources[`${normalizedName(fn)}SilentAlarm`] as Resource;
      expect(silent.Properties).toMatchObject({
        // The function's own count of finished runs (EMF), not a match on its log text.
        Namespace: "Vigil/ci",
        MetricName: "Runs",
        Dimensions: [{ Name: "service", Value: serviceName(fn) }],
        ComparisonOperator: "LessThanThreshold",
        Threshold: 1,
        TreatMissingData: "breaching",
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Period: detection.scheduleMinutes * 60,
      });
    }
    // The namespace the alarms read is the one the functions publish to.
    const env = resources[functionId("detect")]?.Properties.Environment as {
      Variables: Record<string, Json>;
    };
    expect(env.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe("Vigil/ci");
  });

  it("EventBridge rules carry the exact generated patterns, on the default bus and the findings bus", async () => {
    const patterns = JSON.parse(await readFile("deploy/event-patterns.json", "utf8"));
    const rules = ofType("AWS::Events::Rule").filter(([, r]) => r.Properties.EventPattern);
    const on = (fn: string) =>
      rules.filter(([, r]) => JSON.stringify(r.Properties.Targets).includes(`"${functionId(fn)}"`));
    for (const [fn, key] of [
      ["onConfigComplianceChange", "config"],
      ["onAccessAnalyzerFinding", "accessAnalyzer"],
    ] as const) {
      const found = on(fn);
      expect(found).toHaveLength(2);
      for (const [, rule] of found) expect(rule.Properties.EventPattern).toEqual(patterns[key]);
      expect(found.map(([, r]) => r.Properties.EventBusName ?? "default").sort()).toEqual(
        ["default", { Ref: "FindingsBus" }].sort() as never,
      );
    }
    const { detection } = await loadConfigFile("vigil.config.yaml");
    const schedule = (fn: string) =>
      ofType("AWS::Events::Rule").find(([id]) =>
        id.startsWith(`${normalizedName(fn)}EventsRuleSchedule`),
      )?.[1].Properties.ScheduleExpression;
    expect(schedule("detect")).toBe(`rate(${detection.scheduleMinutes} minutes)`);
    expect(schedule("detectFanout")).toBe(schedule("detect"));
    // The event path's remediation digest: every hour, once the previous hour's decisions are in.
    expect(schedule("remediationDigest")).toBe("cron(5 * * * ? *)");
  });

  it("the hourly remediation digest reads the journal's records and steps, writes only alerts/, changes nothing else", () => {
    const statements = statementsOf(ROLE_LOGICAL_IDS.remediationDigest as string);
    const allowed = statements.filter((s) => s.Effect === "Allow").flatMap(actions);
    expect(allowed.filter((a) => a.startsWith("s3:")).sort()).toEqual([
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
    const writes = statements.filter((s) => actions(s).includes("s3:PutObject"));
    expect(writes.flatMap(resourcesOf)).toEqual([{ "Fn::Sub": "${JournalBucket.Arn}/alerts/*" }]);
    const reads = statements.filter((s) => actions(s).includes("s3:GetObject"));
    expect(reads.flatMap(resourcesOf)).toEqual([
      { "Fn::Sub": "${JournalBucket.Arn}/alerts/*" },
      { "Fn::Sub": "${JournalBucket.Arn}/records/*" },
      { "Fn::Sub": "${JournalBucket.Arn}/steps/*" },
    ]);
    // Verifies seals, never signs: it cannot forge a record.
    expect(allowed).toContain("kms:VerifyMac");
    expect(allowed).not.toContain("kms:GenerateMac");
    expect(allowed.filter((a) => /^(iam|ec2|config|access-analyzer|ssm|sts):/.test(a))).toEqual([]);
    expect(
      resources[functionId("remediationDigest")]?.Properties.ReservedConcurrentExecutions,
    ).toBe(1);
  });

  it("only member accounts (or the organization) may put events on the findings bus, and only findings", () => {
    for (const [id, policy] of ofType("AWS::Events::EventBusPolicy")) {
      const statement = policy.Properties.Statement as Statement & { Principal: Json };
      expect(statement.Action, id).toBe("events:PutEvents");
      expect(JSON.stringify(statement.Condition)).toContain("events:source");
      if (statement.Principal === "*")
        expect(JSON.stringify(statement.Condition)).toContain("aws:PrincipalOrgID");
      expect(policy.Condition, id).toBeDefined();
    }
  });

  it("every function: alerting environment; remediators: journal and kill switch", () => {
    for (const fn of SERVICE_FUNCTIONS) {
      const env = environmentOf(fn);
      expect(env.VIGIL_ALERT_DLQ_URL, fn).toEqual({ Ref: "AlertDeadLetterQueue" });
      expect(env.VIGIL_PAGERDUTY_SECRET, fn).toMatch(/^vigil\//);
      expect(env.VIGIL_CONFIG, fn).toBe("deploy/vigil.config.json");
      expect(env.NODE_OPTIONS, fn).toBeUndefined();
    }
    for (const fn of ["onConfigComplianceChange", "onAccessAnalyzerFinding", "reconcile"]) {
      const env = environmentOf(fn);
      expect(env.VIGIL_KILL_SWITCH_PARAMETER).toEqual({ Ref: "KillSwitchParameter" });
      expect(env.VIGIL_JOURNAL_BUCKET).toEqual({ Ref: "JournalBucket" });
    }
    expect((resources.KillSwitchParameter as Resource).Properties.Name).toBe(
      "/vigil/ci/disabled-accounts",
    );
  });

  it("each zip holds its handler, the JSON config and its own chunks only, no source map", async () => {
    expect(Object.keys(packaged.zips).sort()).toEqual([...SERVICE_FUNCTIONS].sort());
    for (const [fn, zip] of Object.entries(packaged.zips)) {
      const files = [...readZip(await readFile(zip)).keys()].sort();
      const handlers = files.filter((file) => /^functions\/[a-z-]+\.mjs$/.test(file));
      expect(handlers, fn).toHaveLength(1);
      // Code splitting puts a function's chunks under <its handler>.chunks/ (esbuild-plugins.cjs).
      const chunkDir = (handlers[0] as string).replace(/\.mjs$/, ".chunks/");
      const others = files.filter((file) => file !== handlers[0] && !file.startsWith(chunkDir));
      expect(others, fn).toEqual(["deploy/vigil.config.json"]);
      const zipped = readZip(await readFile(zip));
      expect(unresolvedImports(zipped), fn).toEqual([]);
      if (fn.startsWith("on") || fn === "reconcile") {
        // The remediations' import()s, at least one per remediation module, resolve in the zip.
        const dynamic = [...zipped.values()].flatMap((c) => dynamicImportsOf(c.toString()));
        expect(dynamic.length, fn).toBeGreaterThanOrEqual(remediations.length);
      }
      expect(
        files.filter((file) => file.endsWith(".map")),
        fn,
      ).toEqual([]);
    }
  });

  it("the remediation functions load no remediation's service client at init, only when a finding of its kind arrives", async () => {
    // An operation each service's client carries in its schemas: in the package, not at init.
    const lazyServices = {
      ec2: "ModifySnapshotAttribute",
      rds: "ModifyDBClusterSnapshotAttribute",
      lambda: "GetFunctionUrlConfig",
      kinesis: "StartStreamEncryption",
      ecr: "SetRepositoryPolicy",
      efs: "PutFileSystemPolicy",
      cloudtrail: "UpdateTrail",
      dynamodb: "ListTagsOfResource",
      // S3 Control (access points, directory bucket tags): with its remediations only.
      s3control: "PutAccessPointPolicy",
    };
    for (const fn of ["onConfigComplianceChange", "onAccessAnalyzerFinding", "reconcile"]) {
      const files = readZip(await readFile(packaged.zips[fn] as string));
      const handler = [...files.keys()].find((f) => /^functions\/[a-z-]+\.mjs$/.test(f)) as string;
      const atInit = loadedWith(files, handler);
      expect(atInit.length, fn).toBeGreaterThan(1); // the core chunks the handler imports
      const text = (names: string[]) => names.map((name) => files.get(name)?.toString()).join("");
      const all = text([...files.keys()]);
      const init = text(atInit);
      for (const [service, operation] of Object.entries(lazyServices)) {
        expect(all, `${fn} packages ${service}`).toContain(`"${operation}"`);
        expect(init, `${fn} loads ${service} at init`).not.toContain(`"${operation}"`);
      }
      // The chunk of a remediation brings its client: EC2's with the snapshot-sharing one.
      const snapshot = loadedWith(files, chunkOf(files, "ebs-snapshot-sharing"));
      expect(text(snapshot), fn).toContain('"ModifySnapshotAttribute"');
    }
  });
});

describe.skipIf(!motoEndpoint())("packaged remediation handlers, against moto", () => {
  // The zips as Lambda runs them: the handler loads each remediation chunk through its own
  // import() when the first finding of its kind arrives. A chunk that did not resolve would end the
  // run "failed" (Cannot find module); notify is the packaged config's default mode.
  const run = promisify(execFile);
  const region = "eu-west-1"; // the samples' region
  const endpoint = motoEndpoint() as string;
  const env = {
    PATH: process.env.PATH ?? "",
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    VIGIL_CONFIG: "deploy/vigil.config.json",
  };
  const config = { ...motoClientConfig(endpoint), region };
  const sample = async (name: string) =>
    JSON.parse(await readFile(`test/fixtures/events/${name}.json`, "utf8"));

  async function invokePackaged(fn: string, event: unknown, journal: string) {
    const files = readZip(await readFile(packaged.zips[fn] as string));
    const handler = [...files.keys()].find((f) => /^functions\/[a-z-]+\.mjs$/.test(f)) as string;
    const dir = await mkdtemp(join(tmpdir(), `vigil-packaged-${fn}-`));
    try {
      for (const [name, content] of files) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), content);
      }
      await writeFile(join(dir, "event.json"), JSON.stringify(event));
      const script =
        `const { handler } = await import("./${handler}");` +
        `const event = JSON.parse((await import("node:fs")).readFileSync("event.json", "utf8"));` +
        `const context = { invokedFunctionArn: "arn:aws:lambda:${region}:123456789012:function:x" };` +
        "console.log(JSON.stringify(await handler(event, context)));";
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
        cwd: dir,
        env: { ...env, VIGIL_JOURNAL_BUCKET: journal },
      });
      return JSON.parse(stdout.trim().split("\n").pop() as string);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("an S3 finding and an EBS snapshot finding are planned, their remediation chunks loaded on demand", async () => {
    const suffix = Date.now().toString(36);
    const [journal, bucket] = [`vigil-packaged-journal-${suffix}`, `vigil-packaged-${suffix}`];
    const s3 = new S3Client(config);
    for (const name of [journal, bucket]) {
      await s3.send(
        new CreateBucketCommand({
          Bucket: name,
          CreateBucketConfiguration: { LocationConstraint: region },
        }),
      );
    }
    const ruleArns = await putManagedConfigRules(new ConfigServiceClient(config));
    const ec2 = new EC2Client(config);
    const volume = await ec2.send(
      new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 1 }),
    );
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }));
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId,
        Attribute: "createVolumePermission",
        OperationType: "add",
        GroupNames: ["all"],
      }),
    );

    const s3Event = withRuleArn(await sample("config-s3-encryption-noncompliant"), ruleArns);
    s3Event.detail = { ...s3Event.detail, resourceId: bucket, awsRegion: region };
    const s3Result = await invokePackaged("onConfigComplianceChange", s3Event, journal);
    expect(s3Result, JSON.stringify(s3Result)).toMatchObject({ ok: true, outcome: "notified" });

    const snapshotEvent = await sample("access-analyzer-ebs-snapshot-public");
    snapshotEvent.detail = {
      ...snapshotEvent.detail,
      resource: `arn:aws:ec2:${region}:123456789012:snapshot/${SnapshotId}`,
      region,
    };
    const snapshotResult = await invokePackaged("onAccessAnalyzerFinding", snapshotEvent, journal);
    expect(snapshotResult).toMatchObject({ ok: true, outcome: "notified" });
  }, 60_000);
});

describe("packaged template: what operators need from the stack", () => {
  it("outputs the journal bucket, the dead-letter and failure queues and the PagerDuty secret's name", () => {
    const outputs = packaged.template.Outputs as Record<string, { Value: Json }>;
    expect(outputs.JournalBucketName?.Value).toEqual({ Ref: "JournalBucket" });
    expect(outputs.AlertDeadLetterQueueUrl?.Value).toEqual({ Ref: "AlertDeadLetterQueue" });
    expect(outputs.FailureQueueUrl?.Value).toEqual({ Ref: "FailureQueue" });
    expect(outputs.PagerDutySecretName?.Value).toBe("vigil/pagerduty-routing-key");
    expect(outputs.FindingsBusArn?.Value).toBeDefined();
  });

  it("an e-mail subscription to the alerts topic exists only when the alertEmail parameter is set", () => {
    const subscription = resources.AlertEmailSubscription as Resource;
    expect(subscription.Type).toBe("AWS::SNS::Subscription");
    expect(subscription.Condition).toBe("SubscribeAlertEmail");
    expect(subscription.Properties).toMatchObject({
      TopicArn: { Ref: "AlertsTopic" },
      Protocol: "email",
    });
    expect(packaged.template.Conditions?.SubscribeAlertEmail).toEqual({
      "Fn::Not": [{ "Fn::Equals": ["", ""] }],
    });
  });
});

describe("packaging one stage: base config plus vigil.config.<stage>.yaml", () => {
  it("the stage's overlay shapes its package; the committed deploy/ files stay the base's", async () => {
    const root = await mkdtemp(join(tmpdir(), "vigil-stage-root-"));
    try {
      for (const entry of [
        "serverless.yml",
        "package.json",
        "tsconfig.json",
        "vigil.config.yaml",
      ]) {
        await cp(entry, join(root, entry));
      }
      for (const entry of ["functions", "src", "deploy"]) {
        await cp(entry, join(root, entry), { recursive: true });
      }
      await symlink(resolve("node_modules"), join(root, "node_modules"), "dir");
      await writeFile(
        join(root, "vigil.config.prod.yaml"),
        [
          "detection:",
          "  scheduleMinutes: 30",
          "remediation:",
          "  exemptions:",
          "    tags: verified",
          "    tagSetters: [arn:aws:iam::123456789012:role/security-admin]",
          "",
        ].join("\n"),
      );
      const committed = await readFile(join(root, "deploy/settings.json"), "utf8");
      const prod = await packageService({ root, stage: "prod" });
      try {
        expect(prod.configSources).toEqual(["vigil.config.yaml", "vigil.config.prod.yaml"]);
        const schedules = Object.entries(prod.template.Resources)
          .filter(([id]) =>
            ["detect", "detectFanout"].some((fn) =>
              id.startsWith(`${normalizedName(fn)}EventsRuleSchedule`),
            ),
          )
          .map(([, r]) => r.Properties?.ScheduleExpression);
        expect(schedules).toHaveLength(2);
        for (const schedule of schedules) expect(schedule).toBe("rate(30 minutes)");
        const config = JSON.parse(
          readZip(await readFile(prod.zips.detect as string))
            .get("deploy/vigil.config.json")
            ?.toString() ?? "{}",
        );
        expect(config.detection.scheduleMinutes).toBe(30);
        // exemptions.tags verified: the remediators and the operator ask CloudTrail who set a tag.
        expect(rolesLookingUpEvents(prod.template.Resources as Record<string, Resource>)).toEqual(
          [
            "OnAccessAnalyzerFindingRole",
            "OnConfigComplianceChangeRole",
            "ReconcileRole",
            OPERATOR_ROLE_LOGICAL_ID,
          ].sort(),
        );
      } finally {
        await prod.cleanup();
      }
      expect(await readFile(join(root, "deploy/settings.json"), "utf8")).toBe(committed);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 180_000);
});
