/**
 * Member-account setup, built the same way for fan-out detection and for remediation: who Vigil
 * runs as (the home account, from STS), which accounts it may enter, which role it assumes there
 * (detection reads through VigilDetectionRole, remediation changes through VigilRemediationRole)
 * and the ExternalId both roles require.
 */
import { STSClient } from "@aws-sdk/client-sts";
import {
  homeAccountOf,
  MEMBER_DETECTION_ROLE,
  MEMBER_REMEDIATION_ROLE,
  MemberAccounts,
  partitionOfRegion,
} from "../adapters/assume-role.ts";
import type { awsClientConfig } from "../adapters/aws-clients.ts";

export interface MemberAccountSetup {
  homeAccount: string;
  members: MemberAccounts;
}

export async function memberAccountSetup(options: {
  purpose: "detection" | "remediation";
  env: NodeJS.ProcessEnv;
  clientConfig: ReturnType<typeof awsClientConfig>;
  allowedAccounts: readonly string[];
  /** Known already (tests, the Lambda's ARN): skips the STS GetCallerIdentity call. */
  homeAccount?: string | undefined;
}): Promise<MemberAccountSetup> {
  const { env, clientConfig } = options;
  const sts = new STSClient(clientConfig);
  const homeAccount = await homeAccountOf(sts, options.homeAccount);
  const roleName =
    options.purpose === "detection"
      ? env.VIGIL_MEMBER_DETECTION_ROLE_NAME || MEMBER_DETECTION_ROLE
      : env.VIGIL_MEMBER_ROLE_NAME || MEMBER_REMEDIATION_ROLE;
  const members = new MemberAccounts({
    sts,
    homeAccount,
    allowedAccounts: options.allowedAccounts,
    roleName,
    partition: partitionOfRegion(clientConfig.region),
    ...(env.VIGIL_MEMBER_EXTERNAL_ID ? { externalId: env.VIGIL_MEMBER_EXTERNAL_ID } : {}),
  });
  return { homeAccount, members };
}
