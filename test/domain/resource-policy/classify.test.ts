import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  classifyPolicy,
  classifyStatement,
  ownerOf,
  type PolicyAccess,
  widerAccess,
} from "../../../src/domain/resource-policy/index.ts";

const OWN = "111122223333";
const TRUSTED = "444455556666";
const FOREIGN = "999988887777";
const owner = ownerOf(OWN, {
  trustedAccounts: [TRUSTED],
  organizationId: "o-own1234567",
  vpcEndpointIds: ["vpce-0own"],
  vpcIds: ["vpc-0own"],
  trustedIpRanges: ["203.0.113.0/24"],
});

function anyone(condition?: Record<string, unknown>): Record<string, unknown> {
  return {
    Effect: "Allow",
    Principal: "*",
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::b/*",
    ...(condition === undefined ? {} : { Condition: condition }),
  };
}

function access(statement: unknown): PolicyAccess {
  return classifyStatement(statement, 0, owner).access;
}

describe("classifyStatement: Principal * narrowed by a condition", () => {
  // [description, condition, expected access]
  const table: [string, Record<string, unknown> | undefined, PolicyAccess][] = [
    ["no condition", undefined, "public"],
    ["own aws:SourceAccount", { StringEquals: { "aws:SourceAccount": OWN } }, "internal"],
    ["trusted aws:SourceAccount", { StringEquals: { "aws:SourceAccount": TRUSTED } }, "internal"],
    ["foreign aws:SourceAccount", { StringEquals: { "aws:SourceAccount": FOREIGN } }, "external"],
    [
      "own + foreign accounts",
      { StringEquals: { "aws:SourceAccount": [OWN, FOREIGN] } },
      "external",
    ],
    ["aws:SourceAccount wildcard", { StringLike: { "aws:SourceAccount": "1111*" } }, "public"],
    ["aws:SourceOwner own", { StringEquals: { "aws:SourceOwner": OWN } }, "internal"],
    ["aws:PrincipalAccount own", { StringEquals: { "aws:PrincipalAccount": OWN } }, "internal"],
    [
      "own aws:SourceArn",
      { ArnLike: { "aws:SourceArn": `arn:aws:cloudtrail:us-east-1:${OWN}:trail/*` } },
      "internal",
    ],
    [
      "foreign aws:PrincipalArn",
      { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${FOREIGN}:role/r` } },
      "external",
    ],
    [
      "aws:PrincipalArn with a wildcard account",
      { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/r" } },
      "public",
    ],
    [
      "aws:SourceArn naming no account",
      { ArnEquals: { "aws:SourceArn": "arn:aws:s3:::x" } },
      "public",
    ],
    [
      "own aws:PrincipalOrgID",
      { StringEquals: { "aws:PrincipalOrgID": "o-own1234567" } },
      "internal",
    ],
    [
      "foreign aws:PrincipalOrgID",
      { StringEquals: { "aws:PrincipalOrgID": "o-attacker99" } },
      "public",
    ],
    ["aws:PrincipalOrgID wildcard", { StringLike: { "aws:PrincipalOrgID": "o-*" } }, "public"],
    ["own aws:SourceOrgID", { StringEquals: { "aws:SourceOrgID": "o-own1234567" } }, "internal"],
    [
      "own aws:PrincipalOrgPaths",
      { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-own1234567/r-ab12/ou-ab12-1/*" } },
      "internal",
    ],
    [
      "foreign aws:PrincipalOrgPaths",
      { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-attacker99/*" } },
      "public",
    ],
    [
      "aws:PrincipalOrgPaths with a wildcard organisation",
      { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-*/*" } },
      "public",
    ],
    ["own aws:SourceVpce", { StringEquals: { "aws:SourceVpce": "vpce-0own" } }, "internal"],
    ["foreign aws:SourceVpce", { StringEquals: { "aws:SourceVpce": "vpce-0attacker" } }, "public"],
    ["own aws:SourceVpc", { StringEquals: { "aws:SourceVpc": "vpc-0own" } }, "internal"],
    ["foreign aws:SourceVpc", { StringEquals: { "aws:SourceVpc": "vpc-0other" } }, "public"],
    ["private aws:SourceIp", { IpAddress: { "aws:SourceIp": "10.1.0.0/16" } }, "internal"],
    ["configured aws:SourceIp", { IpAddress: { "aws:SourceIp": "203.0.113.8/29" } }, "internal"],
    ["configured bare address", { IpAddress: { "aws:SourceIp": "203.0.113.9" } }, "internal"],
    ["IPv6 unique-local", { IpAddress: { "aws:SourceIp": "fd00:1::/64" } }, "internal"],
    [
      "the two halves of the internet",
      { IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } },
      "public",
    ],
    [
      "a range wider than the configured one",
      { IpAddress: { "aws:SourceIp": "203.0.0.0/16" } },
      "public",
    ],
    [
      "an unconfigured public address",
      { IpAddress: { "aws:SourceIp": "198.51.100.7/32" } },
      "public",
    ],
    ["NotIpAddress", { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, "public"],
    [
      "aws:SourceIp under StringEquals",
      { StringEquals: { "aws:SourceIp": "10.0.0.0/8" } },
      "public",
    ],
    ["malformed CIDR", { IpAddress: { "aws:SourceIp": "10.0.0.0/33" } }, "public"],
    [
      "own s3:DataAccessPointAccount",
      { StringEquals: { "s3:DataAccessPointAccount": OWN } },
      "internal",
    ],
    [
      "foreign s3:DataAccessPointAccount",
      { StringEquals: { "s3:DataAccessPointAccount": FOREIGN } },
      "external",
    ],
    [
      "own s3:DataAccessPointArn",
      { ArnLike: { "s3:DataAccessPointArn": `arn:aws:s3:eu-west-1:${OWN}:accesspoint/*` } },
      "internal",
    ],
    ["aws:userid of a role", { StringLike: { "aws:userid": "AROAEXAMPLEROLEID01:*" } }, "external"],
    ["aws:userid wildcard", { StringLike: { "aws:userid": "*" } }, "public"],
    ["aws:userid own root", { StringEquals: { "aws:userid": OWN } }, "internal"],
    ["…IfExists", { StringEqualsIfExists: { "aws:SourceAccount": OWN } }, "public"],
    [
      "ForAllValues:",
      { "ForAllValues:StringLike": { "aws:PrincipalOrgPaths": "o-own1234567/*" } },
      "public",
    ],
    ["StringNotEquals", { StringNotEquals: { "aws:SourceAccount": FOREIGN } }, "public"],
    [
      "a policy variable",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
      { StringEquals: { "aws:SourceAccount": "${aws:PrincipalAccount}" } },
      "public",
    ],
    ["an unrelated key", { Bool: { "aws:SecureTransport": "true" } }, "public"],
    [
      "a foreign entry ANDed with an own entry",
      {
        StringEquals: { "aws:PrincipalOrgID": "o-attacker99", "aws:SourceVpce": "vpce-0own" },
      },
      "internal",
    ],
    [
      "a foreign account ANDed with own organisation",
      {
        StringEquals: { "aws:SourceAccount": FOREIGN, "aws:PrincipalOrgID": "o-own1234567" },
      },
      "internal",
    ],
  ];

  it.each(table)("%s → %s", (_name, condition, expected) => {
    expect(access(anyone(condition))).toBe(expected);
  });

  it("reads an organisation id case-insensitively only as far as IAM does (ids are lower case)", () => {
    expect(
      access(anyone({ StringEqualsIgnoreCase: { "aws:PrincipalOrgID": "O-OWN1234567" } })),
    ).toBe("internal");
  });

  it("has no organisation to match when the owner is in none", () => {
    const alone = ownerOf(OWN);
    const statement = anyone({ StringEquals: { "aws:PrincipalOrgID": "o-own1234567" } });
    expect(classifyStatement(statement, 0, alone).access).toBe("public");
  });
});

describe("classifyStatement: principals", () => {
  const table: [string, unknown, PolicyAccess][] = [
    ["own account", { AWS: OWN }, "internal"],
    ["own role ARN", { AWS: `arn:aws:iam::${OWN}:role/app` }, "internal"],
    ["trusted account", { AWS: `arn:aws:iam::${TRUSTED}:root` }, "internal"],
    ["foreign account", { AWS: FOREIGN }, "external"],
    ["AWS *", { AWS: "*" }, "public"],
    ["AWS [own, *]", { AWS: [OWN, "*"] }, "public"],
    ["service principal", { Service: "logging.s3.amazonaws.com" }, "internal"],
    ["ELB log-delivery account (us-east-1)", { AWS: "arn:aws:iam::127311923021:root" }, "internal"],
    ["ELB log-delivery account (eu-west-1, bare id)", { AWS: "156460612806" }, "internal"],
    [
      "CloudFront origin access identity",
      { AWS: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1" },
      "internal",
    ],
    ["IAM unique id (deleted principal)", { AWS: "AROAEXAMPLEROLEID01" }, "internal"],
    ["canonical user", { CanonicalUser: "79a59df900b949e55d96a1e698fbace" }, "external"],
    ["web identity provider", { Federated: "cognito-identity.amazonaws.com" }, "public"],
    // Not IAM grammar (Lambda emulators echo an account so): read as the account, never as nobody.
    ["bare account string of an outsider", FOREIGN, "external"],
    ["bare account string of the owner", OWN, "internal"],
    [
      "SAML provider of the owner",
      { Federated: `arn:aws:iam::${OWN}:saml-provider/x` },
      "internal",
    ],
  ];

  it.each(table)("%s → %s", (_name, principal, expected) => {
    expect(access({ Effect: "Allow", Principal: principal, Action: "s3:GetObject" })).toBe(
      expected,
    );
  });

  it("treats NotPrincipal with Allow as everyone", () => {
    expect(access({ Effect: "Allow", NotPrincipal: { AWS: OWN }, Action: "s3:*" })).toBe("public");
  });

  it("never flags a Deny, a statement without principal, or a non-object", () => {
    expect(access({ Effect: "Deny", Principal: "*", Action: "s3:*" })).toBe("internal");
    expect(access({ Effect: "Allow", Action: "s3:*" })).toBe("internal");
    expect(access("nonsense")).toBe("internal");
  });

  it("does not make a named outsider internal by where the call comes from", () => {
    const statement = {
      Effect: "Allow",
      Principal: { AWS: FOREIGN },
      Action: "s3:GetObject",
      Condition: {
        StringEquals: { "aws:SourceVpce": "vpce-0own", "aws:SourceAccount": OWN },
        IpAddress: { "aws:SourceIp": "10.0.0.0/8" },
      },
    };
    expect(access(statement)).toBe("external");
  });

  it("narrows a foreign account to nothing when the condition requires the owner's organisation", () => {
    const statement = {
      Effect: "Allow",
      Principal: { AWS: FOREIGN },
      Action: "s3:GetObject",
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-own1234567" } },
    };
    expect(access(statement)).toBe("internal");
  });
});

describe("classifyStatement: verdict details", () => {
  it("names the statement, the grant and why the condition did not narrow it", () => {
    const verdict = classifyStatement(
      { Sid: "Partner", ...anyone({ StringEquals: { "aws:PrincipalOrgID": "o-attacker99" } }) },
      2,
      owner,
    );
    expect(verdict).toEqual({
      index: 2,
      sid: "Partner",
      access: "public",
      reason:
        'statement "Partner" grants Principal "*" (StringEquals aws:PrincipalOrgID: o-attacker99 is not the owner\'s organisation)',
      outsiders: [],
    });
  });

  it("lists the outside accounts of an external grant", () => {
    const verdict = classifyStatement(
      { Effect: "Allow", Principal: { AWS: [FOREIGN, OWN, "arn:aws:iam::222233334444:root"] } },
      0,
      owner,
    );
    expect(verdict.access).toBe("external");
    expect(verdict.outsiders).toEqual([FOREIGN, "222233334444"]);
    expect(verdict.reason).toBe(
      `statement #1 grants account ${FOREIGN} outside the owner; grants account 222233334444 outside the owner`,
    );
  });

  it("classifies every statement of a document, a single Statement object included", () => {
    const single = JSON.stringify({ Version: "2012-10-17", Statement: anyone() });
    expect(classifyPolicy(single, owner).map((verdict) => verdict.access)).toEqual(["public"]);
    const many = {
      Statement: [anyone(), { Effect: "Allow", Principal: { AWS: FOREIGN } }, { Effect: "Deny" }],
    };
    expect(classifyPolicy(many, owner).map((verdict) => verdict.access)).toEqual([
      "public",
      "external",
      "internal",
    ]);
    expect(() => classifyPolicy("{not json", owner)).toThrow(/not valid JSON/);
  });
});

describe("classifyStatement: properties", () => {
  // Foreign values that name no account: they narrow nothing.
  const foreignEntry = fc.oneof(
    fc.constant({ "aws:PrincipalOrgID": "o-attacker99" }),
    fc.constant({ "aws:SourceVpce": "vpce-0attacker" }),
    fc.constant({ "aws:SourceVpc": "vpc-0other" }),
  );
  // Foreign accounts: they narrow "public" to "external", never to "internal".
  const foreignAccount = fc.oneof(
    fc.constant({ "aws:SourceAccount": FOREIGN }),
    fc.constant({ "aws:PrincipalArn": `arn:aws:iam::${FOREIGN}:role/x` }),
  );
  const ownEntry = fc.oneof(
    fc.constant({ "aws:PrincipalOrgID": "o-own1234567" }),
    fc.constant({ "aws:SourceVpce": "vpce-0own" }),
    fc.constant({ "aws:SourceAccount": OWN }),
  );
  const principal = fc.oneof(
    fc.constant<unknown>("*"),
    fc.constant<unknown>({ AWS: FOREIGN }),
    fc.constant<unknown>({ AWS: OWN }),
    fc.constant<unknown>({ Service: "delivery.logs.amazonaws.com" }),
  );
  const entries = fc.array(fc.oneof(foreignEntry, foreignAccount, ownEntry), { maxLength: 3 });

  function statementWith(p: unknown, list: Record<string, string>[]): Record<string, unknown> {
    const block: Record<string, string[]> = {};
    for (const entry of list) {
      for (const [key, value] of Object.entries(entry)) block[key] = [...(block[key] ?? []), value];
    }
    return {
      Effect: "Allow",
      Principal: p,
      Action: "s3:GetObject",
      ...(list.length > 0 ? { Condition: { StringEquals: block } } : {}),
    };
  }

  it("adding a foreign value to a condition never makes a statement less open", () => {
    fc.assert(
      fc.property(principal, entries, foreignEntry, (p, list, extra) => {
        const before = access(statementWith(p, list));
        const after = access(statementWith(p, [...list, extra]));
        expect(widerAccess(after, before)).toBe(after);
      }),
    );
  });

  it("adding a foreign account never makes an open statement internal", () => {
    fc.assert(
      fc.property(principal, entries, foreignAccount, (p, list, extra) => {
        const before = access(statementWith(p, list));
        const after = access(statementWith(p, [...list, extra]));
        if (before !== "internal") expect(after).not.toBe("internal");
      }),
    );
  });

  it("an own-valued entry, alone, always makes Principal * internal", () => {
    fc.assert(
      fc.property(ownEntry, (entry) => {
        expect(access(statementWith("*", [entry]))).toBe("internal");
      }),
    );
  });
});
