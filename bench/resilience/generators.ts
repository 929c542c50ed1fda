/**
 * fast-check generators of hostile events for every handler, each with an oracle: `mustNotAct` is
 * true when a correct handler may only reject or ignore the event (zero changes). The oracle comes
 * from what the generator did to a sample, never from the code under test.
 *
 * Shared by the fuzz tests and bench/resilience.ts (no Vitest import here).
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { UNUSED_ACCESS_DETAIL_TYPE } from "../../src/events/unused-access-finding.ts";
import { ACCOUNT } from "./fake-aws.ts";

export interface FuzzCase {
  event: unknown;
  /** What was done to the sample, for the counterexample report. */
  mutations: string[];
  /** A correct handler must reject or ignore it: zero changes, no remediation. */
  mustNotAct: boolean;
}

/** Regions the fuzzed deployment allows (remediation.allowedRegions). */
export const ALLOWED_REGIONS = ["us-east-1", "eu-west-1"] as const;

type Json = Record<string, unknown>;

export function loadSample(name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../../test/fixtures/events/${name}.json`, import.meta.url), "utf8"),
  ) as Json;
}

const FIXTURE_DIR = new URL("../../test/fixtures/events/", import.meta.url);

/** Names of the samples whose file name starts with `prefix`. */
export function sampleNames(prefix: string): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((file) => file.startsWith(prefix) && file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

function detailOf(name: string): Json {
  return loadSample(name).detail as Json;
}

// ---- one mutation ------------------------------------------------------------------------------

interface Mutation {
  path: string[];
  /** undefined value with `remove`: the key is deleted. */
  remove?: boolean;
  value?: unknown;
  label: string;
  /** Makes the event one a correct handler must not act on. */
  invalidates: boolean;
  /**
   * Mutations sharing a slot never go together: their labels are judged against the sample, and
   * two of them (another rule + another resource type) could make a consistent event again.
   */
  slot?: string;
}

const set = (path: string[], label: string, invalidates: boolean) => (value: unknown) =>
  ({ path, value, label, invalidates }) satisfies Mutation;

function remove(path: string[], invalidates: boolean): fc.Arbitrary<Mutation> {
  return fc.constant({ path, remove: true, label: `delete ${path.join(".")}`, invalidates });
}

/** Sets like JSON.parse does: "__proto__" becomes an own key, not the prototype. */
function defineOwn(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** False when the parent object is not there (the mutation then did nothing and counts for nothing). */
function applyMutation(event: Json, mutation: Mutation): boolean {
  let target: unknown = event;
  for (const key of mutation.path.slice(0, -1)) {
    if (!target || typeof target !== "object" || !Object.hasOwn(target, key)) return false;
    target = (target as Json)[key];
  }
  if (!target || typeof target !== "object" || Array.isArray(target)) return false;
  const last = mutation.path.at(-1) as string;
  if (mutation.remove) delete (target as Json)[last];
  else defineOwn(target as Json, last, mutation.value);
  return true;
}

function overlaps(a: string[], b: string[]): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n).join("\u0001") === b.slice(0, n).join("\u0001");
}

/**
 * A sample the handler acts on unless its `blockers` (the fields that make it a no-op, e.g. status
 * ARCHIVED) are still there; valid mutations of a blocker's field lift it.
 */
interface Base {
  name: string;
  blockers: string[][];
}

/** A sample with 0..4 mutations on paths that do not overlap (so none undoes another). */
function mutated(base: Base, mutations: fc.Arbitrary<Mutation>): fc.Arbitrary<FuzzCase> {
  return fc
    .uniqueArray(mutations, { maxLength: 4, selector: (m) => m.slot ?? m.path.join("\u0001") })
    .filter((list) =>
      list.every((m, i) => list.slice(i + 1).every((o) => !overlaps(m.path, o.path))),
    )
    .map((list) => {
      const event = loadSample(base.name);
      const applied = list.filter((m) => applyMutation(event, m));
      const blocked = base.blockers.some(
        (blocker) => !applied.some((m) => !m.invalidates && overlaps(m.path, blocker)),
      );
      return {
        event,
        mutations: [`sample ${base.name}`, ...applied.map((m) => m.label)],
        mustNotAct: blocked || applied.some((m) => m.invalidates),
      };
    });
}

// ---- value generators --------------------------------------------------------------------------

/** At least 100 KB, of one repeated piece (ASCII, multi-byte, control characters, separators). */
export const hugeString = fc
  .tuple(
    fc.integer({ min: 100_000, max: 110_000 }),
    fc.constantFrom("x", "é", "/", "\u0000", "a.b-", "🙂", "%2F", "arn:"),
  )
  .map(([size, piece]) => piece.repeat(Math.ceil(size / piece.length)));

const wrongForString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const wrongForObject = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
);
const wrongForBoolean = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.constant(null),
  fc.constantFrom("true", "false", 0, 1),
  fc.array(fc.boolean(), { maxLength: 2 }),
);
const anyValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: hugeString },
);
export const prototypeKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "isPrototypeOf",
);
const uuid = fc.uuid();
const validTime = fc
  .date({
    min: new Date("2000-01-01T00:00:00Z"),
    max: new Date("2099-12-31T00:00:00Z"),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());
const badTime = fc.oneof(
  fc.constantFrom(
    "",
    "yesterday",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-11-20",
    "2026-11-20 09:15:04",
    "2026-11-20T25:00:00Z",
    "2026-11-20T09:15:60Z",
    "1700000000",
    "+275760-09-13T00:00:00.000Z",
  ),
  fc.string({ maxLength: 12 }),
);
const otherAccount = fc.stringMatching(/^\d{12}$/).filter((a) => a !== ACCOUNT);
const badAccount = fc.oneof(
  fc.constantFrom(
    "",
    "12345678901",
    "1234567890123",
    "abcdefghijkl",
    " 123456789012",
    "123456789012\n",
  ),
  fc.string({ maxLength: 14 }),
);
const disallowedRegion = fc.constantFrom(
  "ap-southeast-7",
  "cn-north-1",
  "cn-northwest-1",
  "us-gov-west-1",
  "us-gov-east-1",
  "eu-central-2",
  "me-central-1",
  "us-west-2",
  "af-south-1",
);
const badRegion = fc.oneof(
  fc.constantFrom("", "EU-WEST-1", "eu_west_1", "eu-west", "westeurope", "eu-west-1 ", "../../etc"),
  fc.string({ maxLength: 12 }),
);
const otherPartition = fc.constantFrom("aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc");
const validBucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/);
const badBucket = fc.oneof(
  fc.constantFrom(
    "Bad Bucket",
    "bucket/key",
    "../etc/passwd",
    "x".repeat(300),
    "bucket\u0000name",
    "bücket",
    "bucket?x=1",
    "bucket#frag",
  ),
  otherPartition.map((p) => `arn:${p}:s3:::acme-raw-landing-prod`),
  fc.string({ minLength: 1, maxLength: 20 }).map((s) => `${s} ${s}`),
);
const KNOWN_IAM_IDS = new Set([
  "AIDAEXAMPLEUSERID0001",
  "ANPAEXAMPLEPOLICYID01",
  "AROAEXAMPLEROLEID0001",
  "AROAEXAMPLEROLEID0002",
]);
const unresolvableIamId = fc
  .tuple(fc.constantFrom("AIDA", "AROA", "ANPA", "AGPA"), fc.stringMatching(/^[A-Z0-9]{17}$/))
  .map(([prefix, rest]) => `${prefix}${rest}`)
  .filter((id) => !KNOWN_IAM_IDS.has(id));

// ---- Config compliance change ------------------------------------------------------------------

/** Config rules and the resource types their finding kind handles (the oracle's own copy). */
const RULE_TYPES: Record<string, string[]> = {
  "s3-bucket-server-side-encryption-enabled": ["AWS::S3::Bucket"],
  "s3-default-encryption-kms": ["AWS::S3::Bucket"],
  "s3-bucket-level-public-access-prohibited": ["AWS::S3::Bucket"],
  "s3-bucket-public-read-prohibited": ["AWS::S3::Bucket"],
  "s3-bucket-public-write-prohibited": ["AWS::S3::Bucket"],
  "iam-policy-no-statements-with-admin-access": [
    "AWS::IAM::Policy",
    "AWS::IAM::User",
    "AWS::IAM::Role",
    "AWS::IAM::Group",
  ],
  "iam-user-no-policies-check": [
    "AWS::IAM::Policy",
    "AWS::IAM::User",
    "AWS::IAM::Role",
    "AWS::IAM::Group",
  ],
  "iam-no-inline-policy-check": [
    "AWS::IAM::Policy",
    "AWS::IAM::User",
    "AWS::IAM::Role",
    "AWS::IAM::Group",
  ],
  "rds-snapshots-public-prohibited": ["AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"],
  "sns-encrypted-kms": ["AWS::SNS::Topic"],
  "ec2-ebs-encryption-by-default": ["AWS::::Account"],
  "kinesis-stream-encrypted": ["AWS::Kinesis::Stream"],
  "dynamodb-table-encrypted-kms": ["AWS::DynamoDB::Table"],
  "cloud-trail-encryption-enabled": ["AWS::CloudTrail::Trail"],
  // Generated names (Security Hub) the fake account resolves: see fake-aws.ts GENERATED_RULES.
  "securityhub-sns-encrypted-kms-81d29bd8": ["AWS::SNS::Topic"],
  "securityhub-sqs-queue-encrypted-11ce1a73": ["AWS::SQS::Queue"],
  "kinesis-stream-encrypted-conformance-pack-q4w7e1r2": ["AWS::Kinesis::Stream"],
  "securityhub-dynamodb-table-encrypted-kms-5c0e9a71": ["AWS::DynamoDB::Table"],
};
const RESOURCE_TYPES = [
  "AWS::S3::Bucket",
  "AWS::IAM::Policy",
  "AWS::IAM::User",
  "AWS::IAM::Role",
  "AWS::IAM::Group",
  "AWS::EC2::Instance",
  "AWS::KMS::Key",
  "AWS::::Account",
  "AWS::S3::AccountPublicAccessBlock",
  "AWS::SQS::Queue",
  "AWS::SNS::Topic",
  "AWS::SecretsManager::Secret",
  "AWS::EC2::Snapshot",
  "AWS::RDS::DBSnapshot",
  "AWS::RDS::DBClusterSnapshot",
];

interface ConfigBase extends Base {
  resourceType: string;
  /** The IAM name and type segment behind the sample's unique id (IAM bases only). */
  iam?: { type: "user" | "policy"; name: string };
  /** A resource named by ARN, queue URL or account id (every kind but buckets and IAM). */
  resourceId?: string;
  compliance: string;
}

const EXPLICIT_CONFIG_BASES: ConfigBase[] = [
  {
    name: "config-s3-encryption-noncompliant",
    blockers: [],
    resourceType: "AWS::S3::Bucket",
    compliance: "NON_COMPLIANT",
  },
  {
    name: "config-s3-public-access-noncompliant",
    blockers: [],
    resourceType: "AWS::S3::Bucket",
    compliance: "NON_COMPLIANT",
  },
  {
    name: "config-iam-admin-policy-noncompliant",
    blockers: [],
    resourceType: "AWS::IAM::Policy",
    iam: { type: "policy", name: "too-broad" },
    compliance: "NON_COMPLIANT",
  },
  {
    name: "config-iam-user-policies-noncompliant",
    blockers: [],
    resourceType: "AWS::IAM::User",
    iam: { type: "user", name: "etl-bot" },
    compliance: "NON_COMPLIANT",
  },
  {
    name: "config-s3-encryption-compliant-again",
    blockers: [["detail", "newEvaluationResult", "complianceType"]],
    resourceType: "AWS::S3::Bucket",
    compliance: "COMPLIANT",
  },
];

export const CONFIG_BASES: ConfigBase[] = [
  ...EXPLICIT_CONFIG_BASES,
  ...sampleNames("config-")
    .filter((name) => !EXPLICIT_CONFIG_BASES.some((b) => b.name === name))
    .map((name): ConfigBase => {
      const detail = loadSample(name).detail as Json;
      const compliance = String((detail.newEvaluationResult as Json).complianceType);
      return {
        name,
        blockers:
          compliance === "NON_COMPLIANT"
            ? []
            : [["detail", "newEvaluationResult", "complianceType"]],
        resourceType: String(detail.resourceType),
        resourceId: String(detail.resourceId),
        compliance,
      };
    }),
];

/** The resource type, the rule, and the service in the resource's name: one of them at a time. */
const RESOURCE_TYPE_SLOT = "rule-resource-type-or-service";

/**
 * Another account, region or partition in the resource's own name (ARN, queue URL or account id):
 * each names some other resource than the finding's, which intake must refuse. The region is one
 * outside allowedRegions so that no mutation of the event's region can make the two agree again.
 */
function foreignResourceIds(path: string[], id: string): fc.Arbitrary<Mutation>[] {
  const arn = /^arn:([^:]+):([^:]+):([^:]*):(\d{12}):(.+)$/.exec(id);
  if (arn) {
    const [, , service, region, account, rest] = arn;
    return [
      otherPartition.map((p) => ({
        path,
        value: `arn:${p}:${service}:${region}:${account}:${rest}`,
        label: `ARN of partition ${p}`,
        invalidates: true,
      })),
      otherAccount.map((a) => ({
        path,
        value: `arn:aws:${service}:${region}:${a}:${rest}`,
        label: "ARN of another account",
        invalidates: true,
      })),
      disallowedRegion.map((r) => ({
        path,
        value: `arn:aws:${service}:${r}:${account}:${rest}`,
        label: "ARN of a region outside allowedRegions",
        invalidates: true,
      })),
      fc
        .constantFrom("s3", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "ec2", "rds")
        .filter((other) => other !== service)
        .map((other) => ({
          path,
          value: `arn:aws:${other}:${region}:${account}:${rest}`,
          label: `ARN of service ${other}`,
          invalidates: true,
          // With another resource type as well, the two could agree again.
          slot: RESOURCE_TYPE_SLOT,
        })),
    ];
  }
  const url = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/(.+)$/.exec(id);
  if (url) {
    const [, region, , name] = url;
    return [
      otherAccount.map((a) => ({
        path,
        value: `https://sqs.${region}.amazonaws.com/${a}/${name}`,
        label: "queue URL of another account",
        invalidates: true,
      })),
    ];
  }
  if (/^\d{12}$/.test(id)) {
    return [otherAccount.map(set(path, "another account as the account-level resource", true))];
  }
  return [];
}

/** Mutations of validated strings: wrong type, missing, empty, huge. */
function validatedString(path: string[], required: boolean): fc.Arbitrary<Mutation> {
  const where = path.join(".");
  return fc.oneof(
    wrongForString.map(set(path, `${where}: wrong type`, true)),
    remove(path, required),
    fc.constant("").map(set(path, `${where}: empty`, true)),
    hugeString.map(set(path, `${where}: huge string`, true)),
  );
}

function timeField(path: string[], required: boolean): fc.Arbitrary<Mutation> {
  const where = path.join(".");
  return fc.oneof(
    validatedString(path, required),
    badTime.map(set(path, `${where}: malformed time`, true)),
    validTime.map(set(path, `${where}: another valid time`, false)),
  );
}

/** Unvalidated fields Vigil passes through: anything goes, nothing may break. */
function passThrough(path: string[]): fc.Arbitrary<Mutation> {
  const where = path.join(".");
  return fc.oneof(
    anyValue.map(set(path, `${where}: any value (pass-through)`, false)),
    remove(path, false),
  );
}

/** Names the schemas validate somewhere: an "extra" key must not be one of them. */
const VALIDATED_KEYS = new Set([
  "id",
  "source",
  "detail-type",
  "time",
  "detail",
  "configRuleName",
  "resourceType",
  "resourceId",
  "awsAccountId",
  "awsRegion",
  "notificationCreationTime",
  "newEvaluationResult",
  "oldEvaluationResult",
  "complianceType",
  "resultRecordedTime",
  "status",
  "resource",
  "accountId",
  "region",
  "principal",
  "isPublic",
  "isDeleted",
  "error",
  "findingType",
  "updatedAt",
  "analyzedAt",
]);

/** Extra keys, prototype-pollution names included, on an object that lets unknown keys through. */
function extraKey(parent: string[]): fc.Arbitrary<Mutation> {
  return fc
    .tuple(fc.oneof(prototypeKey, fc.string({ minLength: 1, maxLength: 12 })), anyValue)
    .map(([key, value]) => ({
      path: [...parent, key],
      value,
      label: `extra key ${[...parent, key].join(".")}`,
      invalidates: false,
    }))
    .filter((m) => !VALIDATED_KEYS.has(m.path.at(-1) ?? ""));
}

function envelope(source: string, detailType: string): fc.Arbitrary<Mutation>[] {
  return [
    fc.oneof(validatedString(["id"], true), uuid.map(set(["id"], "id: another uuid", false))),
    fc.oneof(
      validatedString(["source"], true),
      fc
        .constantFrom(
          "aws.config",
          "aws.access-analyzer",
          "aws.s3",
          "aws.events",
          "AWS.CONFIG",
          `${source} `,
        )
        .filter((s) => s !== source)
        .map(set(["source"], "source: another service", true)),
    ),
    fc.oneof(
      validatedString(["detail-type"], true),
      fc
        .constantFrom(
          "Config Rules Compliance Change",
          "Access Analyzer Finding",
          "Config Configuration Item Change",
          "Scheduled Event",
          "AWS API Call via CloudTrail",
          "config rules compliance change",
        )
        .filter((t) => t !== detailType)
        .map(set(["detail-type"], "detail-type: unknown", true)),
    ),
    timeField(["time"], true),
    wrongForObject.map(set(["detail"], "detail: not an object", true)),
    remove(["detail"], true),
    passThrough(["version"]),
    passThrough(["account"]),
    passThrough(["region"]),
    passThrough(["resources"]),
    extraKey([]),
  ];
}

function accountAndRegion(accountPath: string[], regionPath: string[]): fc.Arbitrary<Mutation>[] {
  return [
    fc.oneof(
      validatedString(accountPath, true),
      otherAccount.map(set(accountPath, "another account", true)),
      badAccount.map(set(accountPath, "malformed account id", true)),
    ),
    fc.oneof(
      validatedString(regionPath, true),
      disallowedRegion.map(set(regionPath, "a region outside allowedRegions", true)),
      badRegion.map(set(regionPath, "malformed region", true)),
      fc.constantFrom(...ALLOWED_REGIONS).map(set(regionPath, "another allowed region", false)),
    ),
  ];
}

function configMutations(base: ConfigBase): fc.Arbitrary<Mutation> {
  const d = (key: string) => ["detail", key];
  const resourceId = d("resourceId");
  const resourceIdMutations: fc.Arbitrary<Mutation>[] = [validatedString(resourceId, true)];
  if (base.iam) {
    const { type, name } = base.iam;
    resourceIdMutations.push(
      unresolvableIamId.map(set(resourceId, "IAM unique id that resolves to nothing", true)),
      otherPartition.map((p) => ({
        path: resourceId,
        value: `arn:${p}:iam::${ACCOUNT}:${type}/${name}`,
        label: `IAM ARN of partition ${p}`,
        invalidates: true,
      })),
      otherAccount.map((a) => ({
        path: resourceId,
        value: `arn:aws:iam::${a}:${type}/${name}`,
        label: "IAM ARN of another account",
        invalidates: true,
      })),
      fc.constant({
        path: resourceId,
        value: `arn:aws:iam::${ACCOUNT}:${type === "user" ? "role" : "user"}/${name}`,
        label: "IAM ARN of another entity type",
        invalidates: true,
      }),
      fc.constant({
        path: resourceId,
        value: `arn:aws:iam::${ACCOUNT}:${type}/${name}`,
        label: "the same entity by ARN",
        invalidates: false,
      }),
    );
  } else if (base.resourceId !== undefined) {
    resourceIdMutations.push(...foreignResourceIds(resourceId, base.resourceId));
  } else {
    resourceIdMutations.push(
      badBucket.map(set(resourceId, "invalid bucket name", true)),
      validBucket.map(set(resourceId, "another bucket", false)),
    );
  }
  const rule = d("configRuleName");
  const ruleMutations = fc.oneof(
    validatedString(rule, true),
    prototypeKey.map(set(rule, "rule named like an Object.prototype member", true)),
    fc
      .stringMatching(/^[a-z][a-z0-9-]{2,40}$/)
      .filter((r) => !(r in RULE_TYPES))
      .map(set(rule, "unknown rule", true)),
    fc.constantFrom(...Object.keys(RULE_TYPES)).map((r) => ({
      path: rule,
      value: r,
      label: `rule ${r}`,
      invalidates: !(RULE_TYPES[r] ?? []).includes(base.resourceType),
    })),
  );
  const resourceType = d("resourceType");
  const evaluation = ["detail", "newEvaluationResult"];
  const compliance = [...evaluation, "complianceType"];
  const old = ["detail", "oldEvaluationResult"];
  const ruleOrType = (m: Mutation): Mutation => ({ ...m, slot: RESOURCE_TYPE_SLOT });
  return fc.oneof(
    ...envelope("aws.config", "Config Rules Compliance Change"),
    ruleMutations.map(ruleOrType),
    fc
      .oneof(
        validatedString(resourceType, true),
        prototypeKey.map(
          set(resourceType, "resource type named like an Object.prototype member", true),
        ),
        fc
          .constantFrom(...RESOURCE_TYPES)
          .filter((t) => t !== base.resourceType)
          .map(set(resourceType, "another resource type", true)),
      )
      .map(ruleOrType),
    fc.oneof(...resourceIdMutations),
    ...accountAndRegion(d("awsAccountId"), d("awsRegion")),
    wrongForObject.map(set(evaluation, "newEvaluationResult: not an object", true)),
    remove(evaluation, true),
    fc.oneof(
      validatedString(compliance, true),
      fc
        .constantFrom("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")
        .filter((c) => c !== base.compliance)
        .map((c) => ({
          path: compliance,
          value: c,
          label: `complianceType ${c}`,
          invalidates: c !== "NON_COMPLIANT",
        })),
      fc
        .constantFrom("non_compliant", "NONCOMPLIANT", "FAILED")
        .map(set(compliance, "unknown complianceType", true)),
    ),
    timeField([...evaluation, "resultRecordedTime"], false),
    timeField(d("notificationCreationTime"), false),
    wrongForObject
      .filter((v) => v !== undefined)
      .map(set(old, "oldEvaluationResult: not an object", true)),
    remove(old, false),
    fc.oneof(
      validatedString([...old, "complianceType"], true),
      fc
        .constantFrom("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")
        .map(set([...old, "complianceType"], "another previous complianceType", false)),
    ),
    passThrough(d("configRuleARN")),
    passThrough(d("recordVersion")),
    passThrough(d("messageType")),
    passThrough(d("annotation")),
    passThrough([...evaluation, "evaluationResultIdentifier"]),
    extraKey(["detail"]),
    extraKey(evaluation),
  );
}

// ---- Access Analyzer finding -------------------------------------------------------------------

interface AnalyzerBase extends Base {
  /**
   * bucket and role: hand-written mutations; resource: derived from the sample's ARN; unused: an
   * unused-access finding (another detail-type and shape: findingId, no principal or isPublic).
   */
  kind: "bucket" | "role" | "resource" | "unused";
  resourceType: string;
  status: string;
}

const EXPLICIT_ANALYZER_BASES: AnalyzerBase[] = [
  {
    name: "access-analyzer-s3-public",
    blockers: [],
    kind: "bucket",
    resourceType: "AWS::S3::Bucket",
    status: "ACTIVE",
  },
  {
    name: "access-analyzer-iam-role-external",
    blockers: [],
    kind: "role",
    resourceType: "AWS::IAM::Role",
    status: "ACTIVE",
  },
  {
    name: "access-analyzer-archived",
    blockers: [["detail", "status"]],
    kind: "bucket",
    resourceType: "AWS::S3::Bucket",
    status: "ARCHIVED",
  },
  {
    name: "access-analyzer-error-finding",
    // Not public, no principal, and an error: each alone makes it a no-op.
    blockers: [
      ["detail", "error"],
      ["detail", "principal"],
      ["detail", "isPublic"],
    ],
    kind: "bucket",
    resourceType: "AWS::S3::Bucket",
    status: "ACTIVE",
  },
];

// Every other sample in test/fixtures/events (access-analyzer-*.json, config-*.json) is a base too,
// read from the sample itself: a new kind is fuzzed by adding its sample, and
// test/resilience/coverage.test.ts fails when a registered remediation has none.
export const ANALYZER_BASES: AnalyzerBase[] = [
  ...EXPLICIT_ANALYZER_BASES,
  ...sampleNames("access-analyzer-")
    .filter((name) => !EXPLICIT_ANALYZER_BASES.some((b) => b.name === name))
    .map((name): AnalyzerBase => {
      const detail = detailOf(name);
      const status = String(detail.status);
      return {
        name,
        blockers: status === "ACTIVE" ? [] : [["detail", "status"]],
        kind: loadSample(name)["detail-type"] === UNUSED_ACCESS_DETAIL_TYPE ? "unused" : "resource",
        resourceType: String(detail.resourceType),
        status,
      };
    }),
];

/** A finding's status: only ACTIVE acts, whichever kind of analyzer reported it. */
function findingStatus(status: string[], current: string): fc.Arbitrary<Mutation> {
  return fc.oneof(
    validatedString(status, true),
    fc
      .constantFrom("ACTIVE", "ARCHIVED", "RESOLVED")
      .filter((s) => s !== current)
      .map((s) => ({ path: status, value: s, label: `status ${s}`, invalidates: s !== "ACTIVE" })),
    fc.constantFrom("active", "OPEN", "FIXED").map(set(status, "unknown status", true)),
  );
}

/** An unused-access finding: the analyzer (GetFindingV2) is asked for everything it acts on. */
function unusedAccessMutations(base: AnalyzerBase): fc.Arbitrary<Mutation> {
  const d = (key: string) => ["detail", key];
  const status = d("status");
  return fc.oneof(
    ...envelope("aws.access-analyzer", UNUSED_ACCESS_DETAIL_TYPE),
    fc.oneof(
      validatedString(d("findingId"), true),
      uuid.map(set(d("findingId"), "another finding id", false)),
    ),
    findingStatus(status, base.status),
    fc
      .oneof(
        validatedString(d("resourceType"), true),
        fc
          .constantFrom(...RESOURCE_TYPES, "AWS::Lambda::Function")
          .filter((t) => t !== base.resourceType)
          .map(set(d("resourceType"), "another resource type", true)),
      )
      .map((m): Mutation => ({ ...m, slot: RESOURCE_TYPE_SLOT })),
    fc.oneof(
      validatedString(d("resource"), true),
      fc
        .constantFrom("etl-loader", "user/etl-loader", "*", "arn")
        .map(set(d("resource"), "not an ARN", true)),
    ),
    ...accountAndRegion(d("accountId"), ["region"]),
    fc.oneof(
      wrongForString.map(set(d("findingType"), "findingType: wrong type", true)),
      fc
        .constantFrom("ExternalAccess", "InternalAccess", "")
        .map(set(d("findingType"), "not an unused-access finding type", true)),
    ),
    fc.oneof(
      wrongForBoolean.map(set(d("isDeleted"), "isDeleted: not a boolean", true)),
      fc.constant(true).map(set(d("isDeleted"), "isDeleted true", true)),
      remove(d("isDeleted"), false),
    ),
    timeField(d("updatedAt"), false),
    timeField(d("analyzedAt"), false),
    passThrough(d("createdAt")),
    passThrough(d("version")),
    extraKey(["detail"]),
  );
}

function analyzerMutations(base: AnalyzerBase): fc.Arbitrary<Mutation> {
  if (base.kind === "unused") return unusedAccessMutations(base);
  const d = (key: string) => ["detail", key];
  const resource = d("resource");
  const resourceMutations: fc.Arbitrary<Mutation>[] = [validatedString(resource, true)];
  if (base.kind === "resource") {
    resourceMutations.push(
      ...foreignResourceIds(resource, String(detailOf(base.name).resource)),
      fc
        .constantFrom("s3://acme-curated-exports", "*", "arn")
        .map(set(resource, "not an ARN", true)),
    );
  } else {
    resourceMutations.push(
      fc
        .constantFrom("acme-curated-exports", "s3://acme-curated-exports", "role/etl", "*", "arn")
        .map(set(resource, "not an ARN", true)),
      fc
        .constantFrom(
          `arn:aws:sqs:eu-west-1:${ACCOUNT}:queue`,
          `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234`,
          `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:f`,
        )
        .map((value) => ({
          ...set(resource, "ARN of another service", true)(value),
          slot: RESOURCE_TYPE_SLOT,
        })),
    );
  }
  if (base.kind === "bucket") {
    resourceMutations.push(
      otherPartition.map((p) => ({
        path: resource,
        value: `arn:${p}:s3:::acme-curated-exports`,
        label: `bucket ARN of partition ${p}`,
        invalidates: true,
      })),
      badBucket
        .filter((b) => !b.includes("/") && !b.startsWith("arn:"))
        .map((b) => ({
          path: resource,
          value: `arn:aws:s3:::${b}`,
          label: "ARN of an invalid bucket name",
          invalidates: true,
        })),
      fc.constant({
        path: resource,
        value: "arn:aws:s3:::acme-curated-exports/some/key",
        label: "object ARN, not a bucket",
        invalidates: true,
      }),
      validBucket.map((b) => ({
        path: resource,
        value: `arn:aws:s3:::${b}`,
        label: "another bucket",
        invalidates: false,
      })),
    );
  } else if (base.kind === "role") {
    resourceMutations.push(
      otherPartition.map((p) => ({
        path: resource,
        value: `arn:${p}:iam::${ACCOUNT}:role/etl-cross-account-reader`,
        label: `role ARN of partition ${p}`,
        invalidates: true,
      })),
      otherAccount.map((a) => ({
        path: resource,
        value: `arn:aws:iam::${a}:role/etl-cross-account-reader`,
        label: "role of another account",
        invalidates: true,
      })),
      fc.constant({
        path: resource,
        value: `arn:aws:iam::${ACCOUNT}:user/etl-cross-account-reader`,
        label: "user ARN, not a role",
        invalidates: true,
      }),
    );
  }
  const status = d("status");
  const principal = d("principal");
  const isPublic = d("isPublic");
  return fc.oneof(
    ...envelope("aws.access-analyzer", "Access Analyzer Finding"),
    fc.oneof(validatedString(d("id"), true), uuid.map(set(d("id"), "another finding id", false))),
    findingStatus(status, base.status),
    fc
      .oneof(
        validatedString(d("resourceType"), true),
        fc
          .constantFrom(...RESOURCE_TYPES, "AWS::Lambda::Function")
          .filter((t) => t !== base.resourceType)
          .map(set(d("resourceType"), "another resource type", true)),
        prototypeKey.map(
          set(d("resourceType"), "resource type named like an Object.prototype member", true),
        ),
      )
      .map((m): Mutation => ({ ...m, slot: RESOURCE_TYPE_SLOT })),
    fc.oneof(...resourceMutations),
    ...accountAndRegion(d("accountId"), d("region")),
    fc.oneof(
      remove(principal, true),
      fc.constant({}).map(set(principal, "principal: empty", true)),
      wrongForObject.map(set(principal, "principal: not an object", true)),
      fc
        .dictionary(
          fc.constantFrom("AWS", "Federated"),
          fc.oneof(fc.integer(), fc.constant(null)),
          { minKeys: 1, maxKeys: 2 },
        )
        .map(set(principal, "principal: non-string values", true)),
      fc.constant("*").map((v) => {
        const only: Json = {};
        defineOwn(only, "__proto__", v);
        return {
          path: principal,
          value: only,
          label: "principal: only a __proto__ key",
          invalidates: true,
        };
      }),
      fc
        .constantFrom(
          { AWS: "444455556666" },
          { AWS: "*" },
          { Federated: "cognito-identity.amazonaws.com" },
        )
        .map(set(principal, "another principal", false)),
      hugeString.map((s) => ({
        path: principal,
        value: { AWS: s },
        label: "principal: huge value",
        invalidates: true,
      })),
    ),
    fc.oneof(
      wrongForBoolean.map(set(isPublic, "isPublic: not a boolean", true)),
      remove(isPublic, true),
      fc.boolean().map((b) => ({
        path: isPublic,
        value: b,
        label: `isPublic ${b}`,
        invalidates: base.kind === "bucket" && !b,
      })),
    ),
    fc.oneof(
      wrongForBoolean.map(set(d("isDeleted"), "isDeleted: not a boolean", true)),
      fc.constant(true).map(set(d("isDeleted"), "isDeleted true", true)),
      fc.constant(false).map(set(d("isDeleted"), "isDeleted false", false)),
      remove(d("isDeleted"), false),
    ),
    fc.oneof(
      wrongForString.map(set(d("error"), "error: wrong type", true)),
      fc
        .constantFrom("ACCESS_DENIED", "INTERNAL_ERROR", "")
        .map(set(d("error"), "error finding", true)),
      hugeString.map(set(d("error"), "error: huge", true)),
      remove(d("error"), false),
    ),
    fc.oneof(
      wrongForString.map(set(d("findingType"), "findingType: wrong type", true)),
      fc
        .constantFrom("UnusedIAMRole", "UnusedPermission", "InternalAccess", "")
        .map(set(d("findingType"), "another finding type", true)),
      fc.constant("ExternalAccess").map(set(d("findingType"), "findingType ExternalAccess", false)),
    ),
    timeField(d("updatedAt"), false),
    timeField(d("analyzedAt"), false),
    passThrough(d("createdAt")),
    passThrough(d("action")),
    passThrough(d("condition")),
    passThrough(d("version")),
    passThrough(d("sources")),
    extraKey(["detail"]),
  );
}

// ---- whole events ------------------------------------------------------------------------------

/** Not an event at all: null, arrays, numbers, random JSON, prototype-only objects. */
const notAnEvent: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.string(),
    hugeString,
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.anything({ maxDepth: 2 }),
    fc.constant({}),
    prototypeKey.map((key) => {
      const event: Json = {};
      defineOwn(event, key, { source: "aws.config", isAdmin: true });
      return event;
    }),
  )
  .map((event) => ({ event, mutations: ["not an event"], mustNotAct: true }));

function samples(names: string[]): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...names).chain((name) =>
    fc.oneof(
      fc.constant<FuzzCase>({
        event: [loadSample(name)],
        mutations: [`[${name}] in an array`],
        mustNotAct: true,
      }),
      fc.constant<FuzzCase>({
        event: JSON.stringify(loadSample(name)),
        mutations: [`${name} as a JSON string`],
        mustNotAct: true,
      }),
    ),
  );
}

function fromBases<B extends Base>(
  bases: B[],
  mutations: (base: B) => fc.Arbitrary<Mutation>,
): fc.Arbitrary<FuzzCase> {
  return fc.oneof(...bases.map((base) => mutated(base, mutations(base))));
}

const configCases = fromBases(CONFIG_BASES, configMutations);
const analyzerCases = fromBases(ANALYZER_BASES, analyzerMutations);

/** Events for the Config compliance-change function. */
export const configEvents: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 16, arbitrary: configCases },
  { weight: 2, arbitrary: notAnEvent },
  // The other function's events (a rule pattern mistake) must be refused too.
  {
    weight: 1,
    arbitrary: analyzerCases.map((c) => ({
      ...c,
      mutations: ["(Access Analyzer event)", ...c.mutations],
      mustNotAct: true,
    })),
  },
  { weight: 1, arbitrary: samples(CONFIG_BASES.map((b) => b.name)) },
);

/** Events for the Access Analyzer function. */
export const analyzerEvents: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 16, arbitrary: analyzerCases },
  { weight: 2, arbitrary: notAnEvent },
  {
    weight: 1,
    arbitrary: configCases.map((c) => ({
      ...c,
      mutations: ["(Config event)", ...c.mutations],
      mustNotAct: true,
    })),
  },
  { weight: 1, arbitrary: samples(ANALYZER_BASES.map((b) => b.name)) },
);

/** What `vigil remediate --event <file>` reads: either kind of event, or text that is no JSON. */
export interface FileCase extends FuzzCase {
  /** The file's content. */
  text: string;
}

export const eventFiles: fc.Arbitrary<FileCase> = fc.oneof(
  {
    weight: 18,
    arbitrary: fc.oneof(configCases, analyzerCases, notAnEvent).map((c) => ({
      ...c,
      text: JSON.stringify(c.event) ?? "",
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constantFrom("", "{", "not json", '{"source": "aws.config",}', "\u0000\u0001", "[1, 2"),
        fc.string({ maxLength: 40 }).filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        }),
      )
      .map((text) => ({ event: undefined, text, mutations: ["not JSON"], mustNotAct: true })),
  },
);

// ---- scheduled functions -----------------------------------------------------------------------

/** For detect and reconcile the oracle is exact: `mustNotAct` here means "must be rejected". */
const scheduledEvent = (): Json => ({
  version: "0",
  id: "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: ACCOUNT,
  time: "2026-11-24T08:15:00Z",
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/vigil-schedule"],
  detail: {},
});

const scheduledMutation: fc.Arbitrary<Mutation> = fc.oneof(
  wrongForString.map(set(["id"], "id: wrong type", true)),
  remove(["id"], true),
  hugeString.map(set(["id"], "id: huge (still a string)", false)),
  fc.string().map(set(["id"], "id: any string", false)),
  wrongForString.map(set(["source"], "source: wrong type", true)),
  fc
    .constantFrom("aws.config", "aws.events ", "AWS.EVENTS")
    .map(set(["source"], "source: another", true)),
  remove(["source"], true),
  fc
    .constantFrom("Config Rules Compliance Change", "scheduled event", "Scheduled Event ")
    .map(set(["detail-type"], "detail-type: unknown", true)),
  remove(["detail-type"], true),
  passThrough(["time"]),
  passThrough(["detail"]),
  passThrough(["resources"]),
  extraKey([]),
);

function scheduled(): fc.Arbitrary<FuzzCase> {
  return fc
    .uniqueArray(scheduledMutation, { maxLength: 3, selector: (m) => m.path.join("\u0001") })
    .map((list) => {
      const event = scheduledEvent();
      for (const m of list) applyMutation(event, m);
      return {
        event,
        mutations: ["Scheduled Event", ...list.map((m) => m.label)],
        mustNotAct: list.some((m) => m.invalidates),
      };
    });
}

/** Keys the strict forms refuse, prototype names included. */
const strayKey = fc.oneof(prototypeKey, fc.string({ minLength: 1, maxLength: 10 }));

function withStrayKey(base: Json, allowed: string[]): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(
      strayKey.filter((k) => !allowed.includes(k)),
      anyValue,
    )
    .map(([key, value]) => {
      const event = structuredClone(base);
      defineOwn(event, key, value);
      return { event, mutations: [`${JSON.stringify(base)} + key ${key}`], mustNotAct: true };
    });
}

/** The detect function: {} / {metricSets, force, dryRun} / a Scheduled Event. */
export const detectRequests: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          metricSets: fc.array(
            fc.oneof(fc.constantFrom("egress", "api-calls"), fc.string({ minLength: 1 })),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
          force: fc.boolean(),
          dryRun: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .map((event) => ({ event, mutations: ["valid request"], mustNotAct: false })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(null, undefined)
      .map((event) => ({ event, mutations: [`${event}`], mustNotAct: false })),
  },
  { weight: 3, arbitrary: scheduled() },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        wrongForObject
          .filter(
            (v) =>
              !(
                Array.isArray(v) &&
                v.length > 0 &&
                v.every((x) => typeof x === "string" && x !== "")
              ),
          )
          .map((v) => ({ metricSets: v })),
        fc.constant({ metricSets: [] }),
        fc.constant({ metricSets: [""] }),
        wrongForBoolean.map((v) => ({ force: v })),
        wrongForBoolean.map((v) => ({ dryRun: v })),
        fc.constant({ metricSets: "egress" }),
      )
      .map((event) => ({
        event,
        mutations: [`bad field ${JSON.stringify(event).slice(0, 80)}`],
        mustNotAct: true,
      })),
  },
  { weight: 2, arbitrary: withStrayKey({}, ["metricSets", "force", "dryRun"]) },
  { weight: 1, arbitrary: withStrayKey({ force: true }, ["metricSets", "force", "dryRun"]) },
  {
    weight: 2,
    arbitrary: notAnEvent.filter(
      (c) => c.event !== null && c.event !== undefined && !isEmptyObject(c.event),
    ),
  },
);

/** The reconcile function: {} or a Scheduled Event. */
export const reconcileRequests: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .constantFrom({}, null, undefined)
      .map((event) => ({ event, mutations: ["empty"], mustNotAct: false })),
  },
  { weight: 4, arbitrary: scheduled() },
  { weight: 3, arbitrary: withStrayKey({}, []) },
  {
    weight: 2,
    arbitrary: notAnEvent.filter(
      (c) => c.event !== null && c.event !== undefined && !isEmptyObject(c.event),
    ),
  },
);

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 0
  );
}
