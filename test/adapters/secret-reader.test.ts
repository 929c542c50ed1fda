import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createRoutingKeyReader,
  parseRoutingKey,
  RoutingKeyError,
  type SecretLocation,
} from "../../src/adapters/secret-reader.ts";
import { ROUTING_KEY } from "../support/alert-fixtures.ts";

const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const SECRET: SecretLocation = {
  store: "secretsmanager",
  name: "vigil/pagerduty",
  setting: "VIGIL_PAGERDUTY_SECRET",
};

function reader(options: { maxAgeSeconds?: number; clock?: () => number } = {}) {
  return createRoutingKeyReader({
    location: SECRET,
    maxAgeSeconds: options.maxAgeSeconds ?? 300,
    secretsManager: new SecretsManagerClient({ region: "us-east-1" }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

describe("routing key reader", () => {
  beforeEach(() => {
    secrets.reset();
    ssm.reset();
  });

  it("reads a bare key from Secrets Manager once and serves it from the cache", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${ROUTING_KEY}\n` });
    const read = reader();
    // Concurrent callers share one request; later ones hit the cache.
    expect(await Promise.all([read(), read(), read()])).toEqual([
      ROUTING_KEY,
      ROUTING_KEY,
      ROUTING_KEY,
    ]);
    expect(await read()).toBe(ROUTING_KEY);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: "vigil/pagerduty",
    });
  });

  it("asks again once the cache is older than maxAge (a rotated key is picked up)", async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: ROUTING_KEY })
      .resolves({ SecretString: "NEWKEY0123456789abcdefghijklmnop" });
    const read = reader({ maxAgeSeconds: 0 });
    expect(await read()).toBe(ROUTING_KEY);
    expect(await read()).toBe("NEWKEY0123456789abcdefghijklmnop");
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it("reads JSON secrets with a routingKey field", async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ routingKey: ROUTING_KEY, team: "data" }) });
    expect(await reader()()).toBe(ROUTING_KEY);
  });

  it("reads an SSM SecureString with decryption", async () => {
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: ROUTING_KEY, Type: "SecureString" } });
    const read = createRoutingKeyReader({
      location: {
        store: "ssm",
        name: "/vigil/pagerduty",
        setting: "alerting.pagerduty.ssmParameter",
      },
      maxAgeSeconds: 300,
      ssm: new SSMClient({ region: "us-east-1" }),
    });
    expect(await read()).toBe(ROUTING_KEY);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: "/vigil/pagerduty",
      WithDecryption: true,
    });
  });

  it("names the setting and what AWS said when the secret is missing, and remembers the failure briefly", async () => {
    secrets.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: "ResourceNotFoundException",
      }),
    );
    let now = 0;
    const read = reader({ clock: () => now });
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RoutingKeyError);
    expect((error as Error).message).toBe(
      'cannot read the PagerDuty routing key from Secrets Manager secret "vigil/pagerduty" (VIGIL_PAGERDUTY_SECRET): ResourceNotFoundException: Secrets Manager can\'t find the specified secret.',
    );
    await expect(read()).rejects.toThrow(RoutingKeyError);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    now += 31_000;
    await expect(read()).rejects.toThrow(RoutingKeyError);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});

describe("parseRoutingKey", () => {
  const bad = [
    ["", "is empty"],
    ["   ", "is empty"],
    ["short-key", "is malformed: expected the 32-character Events API v2 integration key"],
    [`"${ROUTING_KEY}"`, "is malformed"],
    [`https://events.pagerduty.com/integration/${ROUTING_KEY}/enqueue`, "is malformed"],
    ['{"routing": "x"}', 'is JSON without a "routingKey" string field'],
    ["{not json", "looks like JSON but does not parse"],
  ] as const;

  it.each(bad)("refuses %j with a clear message that never repeats the value", (value, problem) => {
    const error = (() => {
      try {
        parseRoutingKey(value, SECRET);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RoutingKeyError);
    expect(error?.message).toContain(problem);
    expect(error?.message).toContain(
      'Secrets Manager secret "vigil/pagerduty" (VIGIL_PAGERDUTY_SECRET)',
    );
    if (value.trim()) expect(error?.message).not.toContain(value.trim());
    expect(error?.message).not.toContain(ROUTING_KEY);
  });

  it("refuses a binary secret", () => {
    expect(() => parseRoutingKey(new Uint8Array([1, 2]), SECRET)).toThrow(/not a string/);
  });
});
