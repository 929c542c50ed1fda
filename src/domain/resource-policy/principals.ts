import { asList, isRecord } from "./document.ts";
import { isOwnAccount, type PolicyOwner } from "./owner.ts";

/**
 * Who a statement's Principal names, sorted into what the classification needs: everyone, an
 * account, an AWS service, or a principal Vigil cannot attribute to an account offline.
 */
export type PrincipalReach =
  | { kind: "everyone"; label: string }
  | { kind: "account"; account: string; label: string }
  | { kind: "service"; label: string }
  | { kind: "nobody"; label: string }
  | { kind: "unattributed"; label: string };

/**
 * Elastic Load Balancing's log-delivery accounts, per region (regions opened before August 2022;
 * newer ones use the logdelivery.elasticloadbalancing.amazonaws.com service principal). A grant to
 * one of these is AWS delivering the owner's own load-balancer logs, not an outside account.
 * Source: ELB user guide, "Enable access logs for your Application Load Balancer".
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  "127311923021": "us-east-1",
  "033677994240": "us-east-2",
  "027434742980": "us-west-1",
  "797873946194": "us-west-2",
  "098369216593": "af-south-1",
  "754344448648": "ap-east-1",
  "589379963580": "ap-southeast-3",
  "718504428378": "ap-south-1",
  "383597477331": "ap-northeast-3",
  "600734575887": "ap-northeast-2",
  "114774131450": "ap-southeast-1",
  "783225319266": "ap-southeast-2",
  "582318560864": "ap-northeast-1",
  "985666609251": "ca-central-1",
  "054676820928": "eu-central-1",
  "156460612806": "eu-west-1",
  "652711504416": "eu-west-2",
  "635631232127": "eu-south-1",
  "009996457667": "eu-west-3",
  "897822967062": "eu-north-1",
  "076674570225": "me-south-1",
  "507241528517": "sa-east-1",
  "048591011584": "us-gov-west-1",
  "190560391635": "us-gov-east-1",
  "638102146993": "cn-north-1",
  "037604701340": "cn-northwest-1",
};

const CLOUDFRONT_OAI_PREFIX = "arn:aws:iam::cloudfront:user/";
/** An IAM unique id (AIDA…, AROA…): left behind when the principal it named was deleted. */
const UNIQUE_ID = /^A[A-Z0-9]{3}[A-Z0-9]{12,}$/;

/** The 12-digit account an AWS principal value names, or undefined (service, unique id, OAI…). */
export function accountOfAwsPrincipal(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  const parts = value.split(":");
  if (parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4] ?? "")) return parts[4];
  return undefined;
}

function awsPrincipal(value: string): PrincipalReach {
  if (value === "*") return { kind: "everyone", label: 'Principal {"AWS": "*"}' };
  if (value.startsWith(CLOUDFRONT_OAI_PREFIX)) {
    return { kind: "service", label: "a CloudFront origin access identity" };
  }
  const account = accountOfAwsPrincipal(value);
  if (account !== undefined) {
    const elbRegion = ELB_LOG_DELIVERY_ACCOUNTS[account];
    if (elbRegion !== undefined) {
      return { kind: "service", label: `the ELB log-delivery account of ${elbRegion}` };
    }
    return { kind: "account", account, label: `account ${account}` };
  }
  // IAM shows a deleted principal by its unique id; a new one of the same name gets another id.
  if (UNIQUE_ID.test(value)) {
    return { kind: "nobody", label: `IAM unique id ${value} (a deleted principal)` };
  }
  return { kind: "unattributed", label: `AWS principal ${value}` };
}

function federatedPrincipal(value: string): PrincipalReach {
  const account = accountOfAwsPrincipal(value);
  if (account !== undefined)
    return { kind: "account", account, label: `identity provider of ${account}` };
  // A web identity provider (cognito-identity, accounts.google.com…): any of its users.
  return { kind: "everyone", label: `every identity of ${value}` };
}

/** The reach of each entry of a statement's Principal; NotPrincipal counts as everyone. */
export function principalReaches(statement: Record<string, unknown>): PrincipalReach[] {
  if (statement.NotPrincipal !== undefined) {
    return [{ kind: "everyone", label: "everyone (NotPrincipal)" }];
  }
  const principal = statement.Principal;
  if (principal === "*") return [{ kind: "everyone", label: 'Principal "*"' }];
  // Not IAM grammar, but some services echo one (an account id, as Lambda emulators do): read it as
  // the AWS principal it names rather than as no principal, which would call the grant internal.
  if (typeof principal === "string") return [awsPrincipal(principal)];
  if (!isRecord(principal)) return [];
  return Object.entries(principal).flatMap(([type, value]) =>
    asList(value).map((entry): PrincipalReach => {
      if (type === "AWS") return awsPrincipal(entry);
      if (type === "Service") return { kind: "service", label: `service ${entry}` };
      if (type === "Federated") return federatedPrincipal(entry);
      if (type === "CanonicalUser")
        return { kind: "unattributed", label: `canonical user ${entry}` };
      return { kind: "unattributed", label: `${type} principal ${entry}` };
    }),
  );
}

/** Whether the reach is an account of the owner (or a trusted one). */
export function isOwnReach(reach: PrincipalReach, owner: PolicyOwner): boolean {
  return reach.kind === "account" && isOwnAccount(reach.account, owner);
}
