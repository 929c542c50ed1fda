import { CreateTopicCommand, type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

export interface SnsEnvelope {
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** Creates a topic and an SQS queue subscribed to it, so what reached SNS can be read back. */
export async function createTopicWithQueue(sns: SNSClient, sqs: SQSClient, name: string) {
  const topic = await sns.send(new CreateTopicCommand({ Name: name }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-readback` }));
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const topicArn = topic.TopicArn as string;
  const queueUrl = queue.QueueUrl as string;
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: attributes.Attributes?.QueueArn,
    }),
  );
  return { topicArn, queueUrl };
}

/** Drains the queue: every SNS envelope delivered so far. */
export async function readSnsMessages(sqs: SQSClient, queueUrl: string): Promise<SnsEnvelope[]> {
  const messages: SnsEnvelope[] = [];
  for (;;) {
    const batch = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (!batch.Messages?.length) return messages;
    for (const message of batch.Messages)
      messages.push(JSON.parse(message.Body ?? "{}") as SnsEnvelope);
  }
}
