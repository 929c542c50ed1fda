import {
  CreateSecretCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describe } from "vitest";
import { secretResourcePolicy } from "../../../src/remediations/secretsmanager/secret-resource-policy.ts";
import { motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite } from "../resource-policy/harness.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("secret-resource-policy", () => {
  resourcePolicySuite(
    endpoint as string,
    {
      remediation: secretResourcePolicy,
      resourceType: "AWS::SecretsManager::Secret",
      Client: SecretsManagerClient,
      prefix: "secretsmanager",
      async create(secrets, name) {
        const { ARN } = await secrets.send(
          new CreateSecretCommand({ Name: name, SecretString: "s3cr3t" }),
        );
        return ARN ?? "";
      },
      async policyOf(secrets, arn) {
        const { ResourcePolicy } = await secrets.send(
          new GetResourcePolicyCommand({ SecretId: arn }),
        );
        return ResourcePolicy || null;
      },
      async setPolicy(secrets, arn, policy) {
        await secrets.send(
          new PutResourcePolicyCommand({ SecretId: arn, ResourcePolicy: JSON.stringify(policy) }),
        );
      },
      foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      whenEmptied: "deleted",
    },
    "secretsmanager:GetSecretValue",
  );
});
