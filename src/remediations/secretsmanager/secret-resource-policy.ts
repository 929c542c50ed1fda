import {
  DeleteResourcePolicyCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from a Secrets
 * Manager resource policy; deletes the policy when none remains.
 */
export const SECRET_RESOURCE_POLICY = "secret-resource-policy";

export const secretResourcePolicy = defineResourcePolicyRemediation({
  name: SECRET_RESOURCE_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from a Secrets Manager resource policy; deletes the policy when nothing remains.",
  kind: "secret-resource-policy",
  resourceTypes: ["AWS::SecretsManager::Secret"],
  noun: "secret policy",
  actions: {
    read: ["secretsmanager:GetResourcePolicy"],
    readTags: ["secretsmanager:DescribeSecret"],
    write: ["secretsmanager:PutResourcePolicy"],
    remove: ["secretsmanager:DeleteResourcePolicy"],
  },
  store: {
    Client: SecretsManagerClient,
    locate(finding) {
      // The full ARN (with its random suffix): a name alone could match a newer same-named secret.
      const { arn, name } = checkedResource(finding);
      return { id: arn, name };
    },
    async readTags(secrets, secret) {
      const { Tags } = await secrets.send(new DescribeSecretCommand({ SecretId: secret.id }));
      return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
    },
    async read(secrets, secret) {
      const { ResourcePolicy } = await secrets.send(
        new GetResourcePolicyCommand({ SecretId: secret.id }),
      );
      return ResourcePolicy || null;
    },
    async write(secrets, secret, policy) {
      await secrets.send(
        new PutResourcePolicyCommand({ SecretId: secret.id, ResourcePolicy: policy }),
      );
    },
    async remove(secrets, secret) {
      await secrets.send(new DeleteResourcePolicyCommand({ SecretId: secret.id }));
    },
  },
});
