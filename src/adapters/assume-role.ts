import {
  AssumeRoleCommand,
  type AssumeRoleCommandOutput,
  GetCallerIdentityCommand,
  type STSClient,
} from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { z } from "zod";
import { isTransientAwsError } from "../domain/aws-errors.ts";
import { InputError, VigilError } from "../domain/errors.ts";

/** IAM actions the central functions call to act in a member account. */
export const ASSUME_ROLE_ACTIONS = ["sts:AssumeRole"];

/** The role every member account provides for remediation (deploy/member-account.yaml). */
export const MEMBER_REMEDIATION_ROLE = "VigilRemediationRole";
/**
 * The role `vigil undo` takes in a member account (deploy/member-account.yaml): undo's
 * Attach/Put*Policy live there, never in VigilRemediationRole. Trusted only by the central
 * operator role, with the ExternalId.
 */
export const MEMBER_OPERATOR_ROLE = "VigilOperatorRole";
/** The read-only role every member account provides for detection (CloudWatch metric reads). */
export const MEMBER_DETECTION_ROLE = "VigilDetectionRole";

/** Sessions last as little as STS allows: one finding or one shard needs seconds, not hours. */
export const SESSION_SECONDS = 900;

const ACCOUNT_ID = /^\d{12}$/;
/** IAM role names: 1–64 of [\w+=,.@-]. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** STS ExternalId: 2–1224 characters of [\w+=,.@:/-] (AssumeRole's documented pattern). */
export const externalIdSchema = z
  .string()
  .regex(
    /^[\w+=,.@:/-]{2,1224}$/,
    "must be 2-1224 characters of letters, digits and +=,.@:/-_ (the STS ExternalId pattern)",
  );

/**
 * A role session name carrying `id` (a finding id, a shard id): STS allows 2–64 characters of
 * [\w+=,.@-]. Anything else becomes "-", and the name is cut to 64 so CloudTrail in the member
 * account still shows which finding made the change.
 */
export function roleSessionName(prefix: string, id: string): string {
  const name = `${prefix}-${id}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  return name.length >= 2 ? name : `${name}--`.slice(0, 2);
}

export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** arn:aws:iam::111122223333:role/VigilRemediationRole, refusing a malformed account or name. */
export function memberRoleArn(account: string, roleName: string, partition = "aws"): string {
  if (!ACCOUNT_ID.test(account)) {
    throw new MemberAccountError(`"${account}" is not a 12-digit AWS account id`);
  }
  if (!ROLE_NAME.test(roleName)) {
    throw new MemberAccountError(`"${roleName}" is not a valid IAM role name`);
  }
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

/** A finding or shard Vigil must not act on in that account: configuration, not a transient fault. */
export class MemberAccountError extends InputError {
  override name = "MemberAccountError";
}

/** AssumeRole refused (AccessDenied, ExternalId mismatch, missing role): nothing was done there. */
export class AssumeRoleError extends VigilError {
  override name = "AssumeRoleError";
}

/** Throttling, 5xx and dropped connections: the caller retries (Lambda, SQS redelivery). */
export const isTransientStsError = isTransientAwsError;

/** The account these credentials act in: the one given (a Lambda's, from its ARN), else STS's word. */
export async function homeAccountOf(sts: STSClient, given?: string): Promise<string> {
  const account = given ?? (await sts.send(new GetCallerIdentityCommand({}))).Account;
  if (!account) throw new Error("cannot tell which account the credentials belong to");
  return account;
}

export interface AssumeRoleRequest {
  roleArn: string;
  /** Member roles require one; the home account's operator role trusts its own account instead. */
  externalId?: string;
  sessionName: string;
  /** What to check when STS refuses (default: the member stack and its ExternalId). */
  hint?: string;
}

/**
 * Calls STS AssumeRole. A refusal becomes an AssumeRoleError saying what to check; throttling and
 * 5xx errors are rethrown as they are, so the caller's retry logic still sees them as transient.
 */
export async function assumeRole(
  sts: STSClient,
  request: AssumeRoleRequest,
): Promise<AwsCredentialIdentity> {
  let response: AssumeRoleCommandOutput;
  try {
    response = await sts.send(
      new AssumeRoleCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        ...(request.externalId !== undefined ? { ExternalId: request.externalId } : {}),
        DurationSeconds: SESSION_SECONDS,
      }),
    );
  } catch (error) {
    if (isTransientStsError(error)) throw error;
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    throw new AssumeRoleError(
      `cannot assume ${request.roleArn} (session ${request.sessionName}): ${name}: ${message}. ${
        request.hint ??
        "Check that the member stack (deploy/member-account.yaml) is deployed in that account, " +
          "that its ExternalId parameter equals VIGIL_MEMBER_EXTERNAL_ID, and that it trusts this " +
          "deployment's role. Nothing was read or changed in that account."
      }`,
      { cause: error },
    );
  }
  const c = response.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new AssumeRoleError(`AssumeRole ${request.roleArn} returned no credentials`);
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    ...(c.Expiration ? { expiration: c.Expiration } : {}),
  };
}

export interface MemberAccountsOptions {
  sts: STSClient;
  /** The account the function's own credentials act in: no AssumeRole there. */
  homeAccount: string;
  /** Accounts Vigil may act in besides the home account (remediation.allowedAccounts). */
  allowedAccounts: readonly string[];
  /** VigilRemediationRole or VigilDetectionRole. */
  roleName: string;
  /** Required as soon as a member account is used; a missing one fails closed. */
  externalId?: string;
  /** Partition of the home region ("aws", "aws-cn", "aws-us-gov"). */
  partition?: string;
}

/**
 * Credentials to act in a finding's or shard's account: none needed in the home account; an
 * allowed member account gets a short session of its Vigil role, named after what it is for.
 */
export class MemberAccounts {
  private readonly allowed: ReadonlySet<string>;

  constructor(private readonly options: MemberAccountsOptions) {
    for (const account of [options.homeAccount, ...options.allowedAccounts]) {
      if (!ACCOUNT_ID.test(account)) {
        throw new MemberAccountError(`"${account}" is not a 12-digit AWS account id`);
      }
    }
    if (!ROLE_NAME.test(options.roleName)) {
      throw new MemberAccountError(`"${options.roleName}" is not a valid IAM role name`);
    }
    if (options.externalId !== undefined) {
      const parsed = externalIdSchema.safeParse(options.externalId);
      if (!parsed.success) {
        throw new MemberAccountError(
          `VIGIL_MEMBER_EXTERNAL_ID ${parsed.error.issues[0]?.message ?? "is invalid"}`,
        );
      }
    }
    this.allowed = new Set(options.allowedAccounts);
  }

  /** True when `account` is reached through AssumeRole (allowed and not the home account). */
  isMember(account: string): boolean {
    return account !== this.options.homeAccount && this.allowed.has(account);
  }

  /** Whether any account other than the home one is configured. */
  get crossAccount(): boolean {
    return [...this.allowed].some((account) => account !== this.options.homeAccount);
  }

  /** Throws MemberAccountError, without any AWS call, when Vigil must not act in `account`. */
  assertAllowed(account: string): void {
    if (!ACCOUNT_ID.test(account)) {
      throw new MemberAccountError(`"${account}" is not a 12-digit AWS account id`);
    }
    if (account === this.options.homeAccount) return;
    if (!this.allowed.has(account)) {
      throw new MemberAccountError(
        `account ${account} is not in remediation.allowedAccounts: this deployment acts in ` +
          `${this.options.homeAccount} and the listed member accounts only`,
      );
    }
    if (this.options.externalId === undefined) {
      throw new MemberAccountError(
        `account ${account} is a member account but VIGIL_MEMBER_EXTERNAL_ID is not set: ` +
          "cross-account access requires an ExternalId",
      );
    }
  }

  roleArn(account: string): string {
    return memberRoleArn(account, this.options.roleName, this.options.partition);
  }

  /**
   * undefined in the home account (use the function's own credentials); otherwise the assumed
   * role's credentials, session named `vigil-<purpose id>`.
   */
  async credentialsFor(account: string, id: string): Promise<AwsCredentialIdentity | undefined> {
    this.assertAllowed(account);
    if (account === this.options.homeAccount) return undefined;
    return assumeRole(this.options.sts, {
      roleArn: this.roleArn(account),
      externalId: this.options.externalId as string,
      sessionName: roleSessionName("vigil", id),
    });
  }

  /**
   * A lazy provider for SDK clients: AssumeRole runs on the first call the client makes, and
   * again when the session is about to expire. Checks the allow-list at once (no AWS call).
   */
  credentialProvider(account: string, id: string): AwsCredentialIdentityProvider | undefined {
    this.assertAllowed(account);
    if (account === this.options.homeAccount) return undefined;
    return async () => (await this.credentialsFor(account, id)) as AwsCredentialIdentity;
  }
}

/**
 * The credentials of the home account's operator role (stack output OperatorRoleArn), for
 * `vigil undo`: assumed once with the caller's own credentials and again shortly before the
 * session ends. Every client undo builds, and its AssumeRole into a member's VigilOperatorRole,
 * runs with them.
 */
export function operatorRoleProvider(
  sts: STSClient,
  roleArn: string,
  sessionName: string,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  return async () => {
    const expires = current?.expiration?.getTime();
    if (!current || (expires !== undefined && expires - Date.now() < 60_000)) {
      current = await assumeRole(sts, {
        roleArn,
        sessionName,
        hint:
          "vigil undo runs as the operator role: check that your own credentials may assume it " +
          "(sts:AssumeRole on the stack output OperatorRoleArn). Nothing was read or changed.",
      });
    }
    return current;
  };
}
