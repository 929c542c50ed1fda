import { type MessageAttributeValue, PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Notification } from "../domain/notification.ts";
import type { Notifier } from "../ports/notifier.ts";

/** IAM actions the SNS notifier calls. */
export const NOTIFIER_ACTIONS = ["sns:Publish"];

/** SNS allows 100 characters in a subject, printable ASCII only, no newlines. */
export const SNS_SUBJECT_MAX = 100;

export function snsSubject(subject: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const printable = subject.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/[^\x20-\x7e]/g, "?");
  return printable.length <= SNS_SUBJECT_MAX
    ? printable
    : `${printable.slice(0, SNS_SUBJECT_MAX - 3)}...`;
}

/** Publishes notifications to one SNS topic with filterable message attributes. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(notification: Notification): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      severity: { DataType: "String", StringValue: notification.severity },
      source: { DataType: "String", StringValue: notification.source },
      action: { DataType: "String", StringValue: notification.action },
    };
    for (const [name, value] of Object.entries(notification.attributes)) {
      // A list (the metric sets of a digest) is a String.Array: a subscription filter on one of
      // its values still matches.
      attributes[name] = Array.isArray(value)
        ? { DataType: "String.Array", StringValue: JSON.stringify(value) }
        : { DataType: "String", StringValue: value };
    }
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(notification.subject),
        Message: notification.body,
        MessageAttributes: attributes,
      }),
    );
  }
}

/** Keeps notifications in memory: for the CLI's dry runs and for tests. */
export class MemoryNotifier implements Notifier {
  readonly sent: Notification[] = [];

  async notify(notification: Notification): Promise<void> {
    this.sent.push(notification);
  }
}
