/**
 * The one place AWS SDK client configuration is decided. The SDK itself honours AWS_ENDPOINT_URL;
 * when it is set (local emulator) S3 needs path-style addressing and moto needs uncompressed
 * PutMetricData bodies.
 */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  disableRequestCompression?: boolean;
  maxAttempts: number;
}

export function awsClientConfig(
  env: NodeJS.ProcessEnv = process.env,
  region?: string,
): AwsClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL;
  return {
    region: region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    maxAttempts: 5,
    ...(endpoint ? { endpoint, forcePathStyle: true, disableRequestCompression: true } : {}),
  };
}
