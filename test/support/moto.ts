import { inject } from "vitest";

export const TEST_REGION = "us-east-1";
export const TEST_ACCOUNT = "123456789012"; // moto's default account

/** The moto_server endpoint started by the integration global setup, or null when unavailable. */
export function motoEndpoint(): string | null {
  return inject("motoEndpoint");
}

/** Client config pointing an AWS SDK v3 client at moto_server. */
export function motoClientConfig(endpoint: string) {
  return {
    endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    forcePathStyle: true,
    disableRequestCompression: true,
  };
}

export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}
