import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import {
  checkedResource,
  defineResourcePolicyRemediation,
} from "../resource-policy/define-resource-policy-remediation.ts";

/**
 * Removes public (and, with stripExternalAccounts, external-account) statements from an SQS queue
 * policy; deletes the policy (Policy set to "") when none remains.
 */
export const SQS_QUEUE_POLICY = "sqs-queue-policy";

export const sqsQueuePolicy = defineResourcePolicyRemediation({
  name: SQS_QUEUE_POLICY,
  description:
    "Removes statements granting anyone (or, with stripExternalAccounts, outside accounts) from an SQS queue policy; deletes the policy when nothing remains.",
  kind: "sqs-queue-policy",
  resourceTypes: ["AWS::SQS::Queue"],
  noun: "queue policy",
  actions: {
    locate: ["sqs:GetQueueUrl"],
    read: ["sqs:GetQueueAttributes"],
    readTags: ["sqs:ListQueueTags"],
    write: ["sqs:SetQueueAttributes"],
    remove: ["sqs:SetQueueAttributes"],
  },
  store: {
    Client: SQSClient,
    async locate(finding, sqs) {
      const { name } = checkedResource(finding);
      // The owner is named: a same-named queue of another account is never addressed.
      const { QueueUrl } = await sqs.send(
        new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: finding.account }),
      );
      if (!QueueUrl) throw new Error(`no URL for queue ${name}`);
      return { id: QueueUrl, name };
    },
    async readTags(sqs, queue) {
      const { Tags } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: queue.id }));
      return { ...Tags };
    },
    async read(sqs, queue) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.id, AttributeNames: ["Policy"] }),
      );
      return Attributes?.Policy || null;
    },
    async write(sqs, queue, policy) {
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: queue.id, Attributes: { Policy: policy } }),
      );
    },
    async remove(sqs, queue) {
      // SQS deletes a queue policy when it is set to the empty string.
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: queue.id, Attributes: { Policy: "" } }),
      );
    },
  },
});
