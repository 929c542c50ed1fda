import { describe, expect, it } from "vitest";
import {
  ALL_USERS_URI,
  AUTHENTICATED_USERS_URI,
  accountOfAwsPrincipal,
  cloudFrontAccess,
  describeAclGrants,
  exposingStatements,
  isPublicAclGrant,
  parseBucketPolicy,
  removeStatements,
  statementExposure,
  withoutExposingStatements,
  withoutPublicAclGrants,
} from "../../src/domain/bucket-policy.ts";
import { ownerOf } from "../../src/domain/resource-policy/index.ts";

const OWN = "123456789012";
const TRUSTED = "210987654321";
const STRANGER = "444455556666";
// The owner's own organisation, endpoints, VPC and ranges: conditions naming them narrow a statement.
const scope = ownerOf(OWN, {
  trustedAccounts: [TRUSTED],
  organizationId: "o-abc123def4",
  vpcEndpointIds: ["vpce-1a2b3c4d", "vpce-1"],
  vpcIds: ["vpc-111bbb22"],
  trustedIpRanges: ["203.0.113.0/24", "2001:db8::/32"],
});

function allow(principal: unknown, extra: Record<string, unknown> = {}) {
  return {
    Effect: "Allow",
    Principal: principal,
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::b/*",
    ...extra,
  };
}

function exposure(statement: unknown) {
  return statementExposure(statement, 0, scope)?.exposure;
}

describe("statementExposure: principals", () => {
  it.each([
    ["*", "public"],
    [{ AWS: "*" }, "public"],
    [{ AWS: ["arn:aws:iam::123456789012:root", "*"] }, "public"],
    [{ AWS: STRANGER }, "external"],
    [{ AWS: `arn:aws:iam::${STRANGER}:root` }, "external"],
    [{ AWS: `arn:aws:iam::${STRANGER}:role/reader` }, "external"],
    [{ AWS: `arn:aws:sts::${STRANGER}:assumed-role/r/s` }, "external"],
    [{ AWS: [`arn:aws:iam::${OWN}:role/app`, STRANGER] }, "external"],
    [{ AWS: OWN }, undefined],
    [{ AWS: `arn:aws:iam::${OWN}:role/app` }, undefined],
    [{ AWS: `arn:aws:iam::${TRUSTED}:root` }, undefined],
    [{ AWS: "AROAEXAMPLEDELETEDROLE" }, undefined],
    [{ Service: "logging.s3.amazonaws.com" }, undefined],
    [{ Service: "cloudfront.amazonaws.com" }, undefined],
    // Issue 14: a canonical user cannot be attributed to an account offline (reported, kept unless
    // stripExternalAccounts); a web identity provider is every identity it issues.
    [
      { CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" },
      "external",
    ],
    [{ Federated: "cognito-identity.amazonaws.com" }, "public"],
    [{ AWS: "arn:aws:iam::127311923021:root" }, undefined],
  ])("%j → %s", (principal, expected) => {
    expect(exposure(allow(principal))).toBe(expected);
  });

  it("never flags Deny statements, even for *", () => {
    expect(exposure({ ...allow("*"), Effect: "Deny" })).toBeUndefined();
    expect(
      exposure({ Effect: "Deny", NotPrincipal: { AWS: OWN }, Action: "s3:*" }),
    ).toBeUndefined();
  });

  it("treats Allow + NotPrincipal as public", () => {
    expect(exposure({ Effect: "Allow", NotPrincipal: { AWS: OWN }, Action: "s3:GetObject" })).toBe(
      "public",
    );
  });

  it("ignores non-object statements", () => {
    expect(statementExposure("nonsense", 0, scope)).toBeUndefined();
  });
});

describe("statementExposure: restricting conditions", () => {
  it.each([
    [{ StringEquals: { "aws:SourceAccount": OWN } }],
    [{ StringEquals: { "aws:SourceAccount": [OWN, TRUSTED] } }],
    [{ StringEquals: { "AWS:SOURCEOWNER": OWN } }],
    [{ StringEquals: { "aws:PrincipalAccount": OWN } }],
    [{ ArnLike: { "aws:SourceArn": `arn:aws:cloudfront::${OWN}:distribution/*` } }],
    [{ ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${OWN}:role/app` } }],
    [{ StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } }],
    [{ StringEquals: { "aws:SourceVpc": "vpc-111bbb22" } }],
    [{ StringEquals: { "aws:PrincipalOrgID": "o-abc123def4" } }],
    [{ "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": ["o-abc123def4"] } }],
    [{ IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"] } }],
    [{ IpAddress: { "aws:SourceIp": "10.20.0.0/16" } }],
    [{ "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-abc123def4/r-ab12/ou-ab12-1/*" } }],
    [{ StringLike: { "aws:userid": OWN } }],
    [{ StringEquals: { "s3:DataAccessPointAccount": OWN } }],
    [{ ArnLike: { "s3:DataAccessPointArn": `arn:aws:s3:us-east-1:${OWN}:accesspoint/*` } }],
    [{ Bool: { "aws:SecureTransport": "true" }, StringEquals: { "aws:SourceVpce": "vpce-1" } }],
  ])("%j restricts Principal *", (condition) => {
    expect(exposure(allow("*", { Condition: condition }))).toBeUndefined();
  });

  it.each([
    [{ Bool: { "aws:SecureTransport": "true" } }],
    [{ StringEqualsIfExists: { "aws:SourceVpce": "vpce-1a2b3c4d" } }],
    [{ "ForAllValues:StringEquals": { "aws:PrincipalOrgID": ["o-abc123def4"] } }],
    [{ StringNotEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } }],
    [{ StringLike: { "aws:SourceVpce": "vpce-*" } }],
    [{ StringLike: { "aws:PrincipalOrgID": "*" } }],
    [{ ArnLike: { "aws:SourceArn": "arn:aws:cloudfront::*:distribution/*" } }],
    [{ ArnLike: { "aws:SourceArn": "arn:aws:s3:::some-bucket" } }],
    [{ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }],
    [{ IpAddress: { "aws:SourceIp": "::/0" } }],
    [{ StringEquals: { "aws:SourceAccount": "*" } }],
    [{ StringEquals: { "aws:SourceAccount": [] } }],
    ["not an object"],
    // Issue 14 item 9: values that are not the owner's own narrow nothing.
    [{ StringEquals: { "aws:PrincipalOrgID": "o-attacker000" } }],
    [{ StringEquals: { "aws:SourceVpce": "vpce-0attacker" } }],
    [{ StringEquals: { "aws:SourceVpc": "vpc-0attacker" } }],
    [{ IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } }],
    [{ IpAddress: { "aws:SourceIp": "198.51.100.0/24" } }],
  ])("%j does not restrict Principal *", (condition) => {
    expect(exposure(allow("*", { Condition: condition }))).toBe("public");
  });

  it("flags a restriction to an external account as external", () => {
    const found = statementExposure(
      allow({ AWS: "*" }, { Condition: { StringEquals: { "aws:SourceAccount": STRANGER } } }),
      0,
      scope,
    );
    expect(found?.exposure).toBe("external");
    expect(found?.reason).toContain(STRANGER);
  });

  it("an internal restriction wins over an external one (conditions are ANDed)", () => {
    expect(
      exposure(
        allow("*", {
          Condition: {
            StringEquals: { "aws:SourceAccount": STRANGER, "aws:SourceVpce": "vpce-1" },
          },
        }),
      ),
    ).toBeUndefined();
  });

  it("a condition does not excuse an external principal", () => {
    expect(
      exposure(
        allow({ AWS: STRANGER }, { Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } } }),
      ),
    ).toBe("external");
  });
});

describe("accountOfAwsPrincipal", () => {
  it.each([
    [OWN, OWN],
    [`arn:aws:iam::${OWN}:root`, OWN],
    [`arn:aws-us-gov:iam::${OWN}:user/a/b`, OWN],
    ["arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1", undefined],
    ["AIDAEXAMPLE", undefined],
    ["*", undefined],
  ])("%s → %s", (value, expected) => {
    expect(accountOfAwsPrincipal(value)).toBe(expected);
  });
});

describe("removing statements", () => {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Id: "keep-me",
    Statement: [
      { Sid: "Public", ...allow("*") },
      { Sid: "Own", Principal: { AWS: OWN }, Effect: "Allow", Action: "s3:*", Resource: "*" },
      { Sid: "Stranger", ...allow({ AWS: STRANGER }) },
      {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });

  it("lists exposing statements in order with Sids", () => {
    expect(exposingStatements(policy, scope).map((s) => [s.index, s.sid, s.exposure])).toEqual([
      [0, "Public", "public"],
      [2, "Stranger", "external"],
    ]);
  });

  it("strips public statements only, unless stripExternalAccounts (issue 14)", () => {
    const { removed } = withoutExposingStatements(policy, scope);
    expect(removed.map((statement) => statement.sid)).toEqual(["Public"]);
    const withExternal = withoutExposingStatements(policy, scope, { stripExternalAccounts: true });
    expect(withExternal.removed.map((statement) => statement.sid)).toEqual(["Public", "Stranger"]);
  });

  it("keeps every other statement exactly, in order, with its key order and top-level keys", () => {
    const { policy: stripped, removed } = withoutExposingStatements(policy, scope, {
      stripExternalAccounts: true,
    });
    expect(removed).toHaveLength(2);
    const original = JSON.parse(policy);
    const expected = JSON.stringify({
      Version: original.Version,
      Id: original.Id,
      Statement: [original.Statement[1], original.Statement[3]],
    });
    expect(stripped).toBe(expected);
    // Key order of a kept statement is untouched (Principal before Effect as in the original).
    expect(stripped).toContain('{"Sid":"Own","Principal":{"AWS":"123456789012"},"Effect":"Allow"');
  });

  it("keeps top-level key order even when Statement is not last", () => {
    const text = JSON.stringify({
      Statement: [allow("*"), allow({ AWS: OWN })],
      Version: "2012-10-17",
    });
    expect(Object.keys(JSON.parse(removeStatements(text, [0]) ?? "{}"))).toEqual([
      "Statement",
      "Version",
    ]);
  });

  it("returns the policy unchanged when nothing exposes the bucket", () => {
    const text = JSON.stringify({ Version: "2012-10-17", Statement: [allow({ AWS: OWN })] });
    expect(withoutExposingStatements(text, scope)).toEqual({ policy: text, removed: [] });
  });

  it("returns null when nothing remains", () => {
    const text = JSON.stringify({ Version: "2012-10-17", Statement: [allow("*")] });
    expect(withoutExposingStatements(text, scope).policy).toBeNull();
  });

  it("handles a single Statement object (kept as an object, or removed entirely)", () => {
    const single = JSON.stringify({ Version: "2012-10-17", Statement: allow("*") });
    expect(parseBucketPolicy(single).singleStatement).toBe(true);
    expect(withoutExposingStatements(single, scope).policy).toBeNull();
    const kept = JSON.stringify({ Version: "2012-10-17", Statement: allow({ AWS: OWN }) });
    expect(removeStatements(kept, [])).toBe(kept);
  });

  it("rejects invalid policies with a clear error", () => {
    expect(() => parseBucketPolicy("{")).toThrow(/bucket policy is not valid JSON/);
    expect(() => parseBucketPolicy('"text"')).toThrow(/must be a JSON object/);
  });
});

describe("cloudFrontAccess", () => {
  it("detects Origin Access Control (service principal)", () => {
    const policy = JSON.stringify({
      Statement: [
        {
          Sid: "AllowCloudFrontServicePrincipal",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::site/*",
          Condition: {
            StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${OWN}:distribution/E1` },
          },
        },
      ],
    });
    expect(cloudFrontAccess(policy, OWN)).toBe(
      'statement "AllowCloudFrontServicePrincipal" grants CloudFront (OAC)',
    );
  });

  it("a CloudFront statement without the owner's own distribution in aws:SourceArn is a decoy (issue 14)", () => {
    const oac = (condition?: Record<string, unknown>) =>
      JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::site/*",
            ...(condition ? { Condition: condition } : {}),
          },
        ],
      });
    expect(cloudFrontAccess(oac(), OWN)).toBeUndefined();
    expect(
      cloudFrontAccess(
        oac({
          StringEquals: { "aws:SourceArn": "arn:aws:cloudfront::999988887777:distribution/E1" },
        }),
        OWN,
      ),
    ).toBeUndefined();
    expect(
      cloudFrontAccess(
        oac({ ArnLike: { "aws:SourceArn": `arn:aws:cloudfront::${OWN}:distribution/*` } }),
        OWN,
      ),
    ).toBeUndefined();
  });

  it("detects a legacy Origin Access Identity", () => {
    const policy = JSON.stringify({
      Statement: [
        allow({
          AWS: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL",
        }),
      ],
    });
    expect(cloudFrontAccess(policy, OWN)).toBe(
      "statement #1 grants a CloudFront origin access identity",
    );
  });

  it("ignores Deny statements and other principals", () => {
    const policy = JSON.stringify({
      Statement: [
        { ...allow({ Service: "cloudfront.amazonaws.com" }), Effect: "Deny" },
        allow({ Service: "logging.s3.amazonaws.com" }),
      ],
    });
    expect(cloudFrontAccess(policy, OWN)).toBeUndefined();
  });
});

describe("ACL grants", () => {
  const owner = { Grantee: { Type: "CanonicalUser", ID: "abc" }, Permission: "FULL_CONTROL" };
  const allUsers = { Grantee: { Type: "Group", URI: ALL_USERS_URI }, Permission: "READ" };
  const authenticated = {
    Grantee: { Type: "Group", URI: AUTHENTICATED_USERS_URI },
    Permission: "WRITE",
  };
  const logDelivery = {
    Grantee: { Type: "Group", URI: "http://acs.amazonaws.com/groups/s3/LogDelivery" },
    Permission: "WRITE",
  };

  it("recognises AllUsers and AuthenticatedUsers only", () => {
    expect([owner, allUsers, authenticated, logDelivery].map(isPublicAclGrant)).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(
      isPublicAclGrant({
        Grantee: { Type: "Group", URI: "https://acs.amazonaws.com/groups/global/AllUsers" },
      }),
    ).toBe(true);
  });

  it("keeps non-public grants in order", () => {
    expect(withoutPublicAclGrants([allUsers, owner, authenticated, logDelivery])).toEqual([
      owner,
      logDelivery,
    ]);
  });

  it("describes grants for people", () => {
    expect(describeAclGrants([allUsers, authenticated])).toBe(
      "AllUsers READ, AuthenticatedUsers WRITE",
    );
  });
});
