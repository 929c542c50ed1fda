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
  MEMBER_OPERATOR_ROLE,
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
  /** `operator`: `vigil undo`, through the member's VigilOperatorRole. */
  purpose: "detection" | "remediation" | "operator";
  env: NodeJS.ProcessEnv;
  clientConfig: ReturnType<typeof awsClientConfig>;
  allowedAccounts: readonly string[];
  /** Known already (tests, the Lambda's ARN): skips the STS GetCallerIdentity call. */
  homeAccount?: string | undefined;
}): Promise<MemberAccountSetup> {
  const { env, clientConfig } = options;
  const sts = new STSClient(clientConfig);
  const homeAccount = await homeAccountOf(sts, options.homeAccount);
  const roleName = {
    detection: env.VIGIL_MEMBER_DETECTION_ROLE_NAME || MEMBER_DETECTION_ROLE,
    remediation: env.VIGIL_MEMBER_ROLE_NAME || MEMBER_REMEDIATION_ROLE,
    operator: env.VIGIL_MEMBER_OPERATOR_ROLE_NAME || MEMBER_OPERATOR_ROLE,
  }[options.purpose];
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
