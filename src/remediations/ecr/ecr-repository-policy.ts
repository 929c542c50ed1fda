import {
  DeleteRepositoryPolicyCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from an ECR
 * repository policy (who may pull or push images); deletes the policy when none remains.
 */
export const ECR_REPOSITORY_POLICY = "ecr-repository-policy";

export const ecrRepositoryPolicy = defineResourcePolicyRemediation({
  name: ECR_REPOSITORY_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from an ECR repository policy; deletes the policy when nothing remains.",
  kind: "ecr-repository-policy",
  resourceTypes: ["AWS::ECR::Repository"],
  noun: "repository policy",
  actions: {
    read: ["ecr:GetRepositoryPolicy"],
    readTags: ["ecr:ListTagsForResource"],
    write: ["ecr:SetRepositoryPolicy"],
    remove: ["ecr:DeleteRepositoryPolicy"],
  },
  store: {
    Client: ECRClient,
    locate(finding) {
      // The registry is named too (registryId = the finding's account): never another registry's.
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags(ecr, repository) {
      const { tags } = await ecr.send(
        new ListTagsForResourceCommand({ resourceArn: repository.id }),
      );
      return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
    },
    async read(ecr, repository) {
      try {
        const { policyText } = await ecr.send(
          new GetRepositoryPolicyCommand(addressOf(repository.id)),
        );
        return policyText || null;
      } catch (error) {
        if ((error as { name?: string }).name === "RepositoryPolicyNotFoundException") return null;
        throw error;
      }
    },
    async write(ecr, repository, policy) {
      await ecr.send(
        new SetRepositoryPolicyCommand({ ...addressOf(repository.id), policyText: policy }),
      );
    },
    async remove(ecr, repository) {
      await ecr.send(new DeleteRepositoryPolicyCommand(addressOf(repository.id)));
    },
  },
});

/** ECR addresses a repository by registry (account) and name, both read from the checked ARN. */
function addressOf(arn: string): { registryId: string; repositoryName: string } {
  const [, , , , registryId = "", resource = ""] = arn.split(":");
  return { registryId, repositoryName: resource.slice("repository/".length) };
}
