import type { AwsCredentialIdentityProvider } from "@smithy/types";

/**
 * The one place AWS SDK client configuration is decided. The SDK itself honours AWS_ENDPOINT_URL;
 * when it is set (local emulator) S3 needs path-style addressing and moto needs uncompressed
 * PutMetricData bodies.
 */
export interface AwsClientConfig {
  region: string;
  /** Default: the SDK's chain. `vigil undo` sets the operator role's (wiring/remediation.ts). */
  credentials?: AwsCredentialIdentityProvider;
  endpoint?: string;
  forcePathStyle?: boolean;
  disableRequestCompression?: boolean;
  maxAttempts: number;
  /** Always set by awsClientConfig; optional so hand-written configs (tests) need not repeat it. */
  requestHandler?: typeof REQUEST_TIMEOUTS;
}

/**
 * The SDK waits forever by default: a connection that hangs would block a Lambda until it is
 * killed (its idempotency claim held for the whole lease) and the CLI for good. With these limits
 * a hung attempt fails with a transient TimeoutError that the SDK retries (maxAttempts) and the
 * runner hands back to Lambda for a retry.
 */
export const REQUEST_TIMEOUTS = {
  connectionTimeout: 5_000,
  requestTimeout: 15_000,
  throwOnRequestTimeout: true,
} as const;

export function awsClientConfig(
  env: NodeJS.ProcessEnv = process.env,
  region?: string,
): AwsClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL;
  return {
    region: region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    maxAttempts: 5,
    requestHandler: REQUEST_TIMEOUTS,
    ...(endpoint ? { endpoint, forcePathStyle: true, disableRequestCompression: true } : {}),
  };
}
