import {
  CreateRepositoryCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import { describe } from "vitest";
import { ecrRepositoryPolicy } from "../../../src/remediations/ecr/ecr-repository-policy.ts";
import { motoEndpoint, TEST_ACCOUNT } from "../../support/moto.ts";
import { PARTNER, resourcePolicySuite } from "../resource-policy/harness.ts";

const endpoint = motoEndpoint();

const nameOf = (arn: string) => arn.split(":repository/")[1] ?? "";

describe.skipIf(!endpoint)("ecr-repository-policy", () => {
  resourcePolicySuite(
    endpoint as string,
    {
      remediation: ecrRepositoryPolicy,
      resourceType: "AWS::ECR::Repository",
      Client: ECRClient,
      prefix: "ecr",
      async create(ecr, name) {
        // A namespaced name: the policy is addressed by registry and full path, not the last part.
        const { repository } = await ecr.send(
          new CreateRepositoryCommand({ repositoryName: `team/${name}` }),
        );
        return repository?.repositoryArn ?? "";
      },
      async policyOf(ecr, arn) {
        try {
          const { policyText } = await ecr.send(
            new GetRepositoryPolicyCommand({ repositoryName: nameOf(arn) }),
          );
          return policyText || null;
        } catch (error) {
          if ((error as Error).name === "RepositoryPolicyNotFoundException") return null;
          throw error;
        }
      },
      async setPolicy(ecr, arn, policy) {
        await ecr.send(
          new SetRepositoryPolicyCommand({
            repositoryName: nameOf(arn),
            policyText: JSON.stringify(policy),
          }),
        );
      },
      foreignArn: (arn) => arn.replace(`:${TEST_ACCOUNT}:`, `:${PARTNER}:`),
      whenEmptied: "deleted",
    },
    "ecr:BatchGetImage",
  );
});
