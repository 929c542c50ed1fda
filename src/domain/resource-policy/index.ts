/**
 * Resource-policy semantics shared by every remediation that reads a resource policy (S3, SQS, SNS,
 * KMS, Lambda, Secrets Manager, ECR, EFS…). Pure: the owner's context (organisation, VPC endpoints)
 * is read by a port and passed in.
 *
 *   const owner = ownerOf("111122223333", { organizationId: "o-abc", vpcEndpointIds: ["vpce-1"] });
 *   const verdicts = classifyPolicy(policyText, owner);      // one per statement, document order
 *   const publicOnes = verdicts.filter((v) => v.access === "public");
 *   const next = removeStatements(policyText, publicOnes.map((v) => v.index));  // null: delete
 *   log(policyDiff(policyText, publicOnes.map((v) => v.index)));  // summaries + hashes, no JSON
 *
 * A statement is "public" unless a condition narrows it to values that are the owner's own (see
 * conditions.ts for the keys, after AWS's documented definition of a public policy); "external"
 * when it grants named accounts outside the owner and `trustedAccounts`; "internal" otherwise.
 */

export type { PolicyAccess, StatementVerdict } from "./classify.ts";
export { classifyPolicy, classifyStatement, policyAccess, widerAccess } from "./classify.ts";
export type { Narrowing } from "./conditions.ts";
export { conditionNarrowing, NARROWING_KEYS } from "./conditions.ts";
export type { ParsedPolicy } from "./document.ts";
export { asList, isRecord, parsePolicy, removeStatements, statementLabel } from "./document.ts";
export { cidrWithin, PRIVATE_RANGES } from "./ip-ranges.ts";
export type { PolicyOwner } from "./owner.ts";
export { isOwnAccount, ownerOf } from "./owner.ts";
export type { PrincipalReach } from "./principals.ts";
export {
  accountOfAwsPrincipal,
  ELB_LOG_DELIVERY_ACCOUNTS,
  principalReaches,
} from "./principals.ts";
export type { ShareVerdict } from "./sharing.ts";
export { classifyShares, EVERYONE, sharesToRemove } from "./sharing.ts";
export type { PolicyDiff, StatementSummary } from "./summary.ts";
export { describeSummary, policyDiff, summarizeStatement } from "./summary.ts";
