import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { beforeEach, describe, expect, it } from "vitest";
import { createRoutingKeyReader, RoutingKeyError } from "../../src/adapters/secret-reader.ts";
import { ROUTING_KEY } from "../support/alert-fixtures.ts";
import { motoClientConfig, motoEndpoint, resetMoto } from "../support/moto.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("routing key from Secrets Manager and SSM (moto)", () => {
  const config = motoClientConfig(endpoint ?? "");
  const secretsManager = new SecretsManagerClient(config);
  const ssm = new SSMClient(config);

  beforeEach(async () => {
    await resetMoto(endpoint ?? "");
  });

  it("reads a Secrets Manager secret by name and by ARN", async () => {
    const created = await secretsManager.send(
      new CreateSecretCommand({ Name: "vigil/pagerduty", SecretString: ROUTING_KEY }),
    );
    for (const name of ["vigil/pagerduty", created.ARN ?? ""]) {
      const read = createRoutingKeyReader({
        location: { store: "secretsmanager", name, setting: "VIGIL_PAGERDUTY_SECRET" },
        maxAgeSeconds: 300,
        secretsManager,
      });
      expect(await read()).toBe(ROUTING_KEY);
    }
  });

  it("reads an SSM SecureString, decrypted", async () => {
    await ssm.send(
      new PutParameterCommand({
        Name: "/vigil/pagerduty-routing-key",
        Value: JSON.stringify({ routingKey: ROUTING_KEY }),
        Type: "SecureString",
      }),
    );
    const read = createRoutingKeyReader({
      location: {
        store: "ssm",
        name: "/vigil/pagerduty-routing-key",
        setting: "VIGIL_PAGERDUTY_SSM_PARAMETER",
      },
      maxAgeSeconds: 300,
      ssm,
    });
    expect(await read()).toBe(ROUTING_KEY);
  });

  it("says which setting names a secret that does not exist", async () => {
    const read = createRoutingKeyReader({
      location: {
        store: "secretsmanager",
        name: "vigil/missing",
        setting: "VIGIL_PAGERDUTY_SECRET",
      },
      maxAgeSeconds: 300,
      secretsManager,
    });
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RoutingKeyError);
    expect((error as Error).message).toMatch(
      /^cannot read the PagerDuty routing key from Secrets Manager secret "vigil\/missing" \(VIGIL_PAGERDUTY_SECRET\): ResourceNotFoundException/,
    );
  });

  it("says which setting names a parameter that does not exist", async () => {
    const read = createRoutingKeyReader({
      location: {
        store: "ssm",
        name: "/vigil/missing",
        setting: "alerting.pagerduty.ssmParameter",
      },
      maxAgeSeconds: 300,
      ssm,
    });
    await expect(read()).rejects.toThrow(
      /SSM SecureString parameter "\/vigil\/missing" \(alerting.pagerduty.ssmParameter\): ParameterNotFound/,
    );
  });

  it("refuses a malformed key without echoing it", async () => {
    await secretsManager.send(
      new CreateSecretCommand({ Name: "vigil/pagerduty", SecretString: "paste-error-abc" }),
    );
    const read = createRoutingKeyReader({
      location: {
        store: "secretsmanager",
        name: "vigil/pagerduty",
        setting: "VIGIL_PAGERDUTY_SECRET",
      },
      maxAgeSeconds: 300,
      secretsManager,
    });
    const error = await read().catch((e: unknown) => e);
    expect((error as Error).message).toContain("is malformed");
    expect((error as Error).message).not.toContain("paste-error-abc");
  });
});
