import { ListSubscriptionsByTopicCommand, type SNSClient } from "@aws-sdk/client-sns";

/** What `vigil alert test` (an operator's call, not a function's) needs on the alerts topic. */
export const SUBSCRIPTION_CHECK_ACTIONS = ["sns:ListSubscriptionsByTopic"];

export interface TopicSubscriptions {
  /** Confirmed subscriptions: someone or something receives what the topic publishes. */
  confirmed: { protocol: string; endpoint: string }[];
  /** E-mail or HTTP subscriptions still waiting for their confirmation link to be clicked. */
  pending: number;
}

/** Reads every subscription of a topic (paginated). */
export async function topicSubscriptions(
  sns: SNSClient,
  topicArn: string,
): Promise<TopicSubscriptions> {
  const result: TopicSubscriptions = { confirmed: [], pending: 0 };
  let token: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    for (const subscription of page.Subscriptions ?? []) {
      const arn = subscription.SubscriptionArn ?? "";
      if (arn === "PendingConfirmation") result.pending += 1;
      else if (arn.startsWith("arn:")) {
        result.confirmed.push({
          protocol: subscription.Protocol ?? "?",
          endpoint: subscription.Endpoint ?? "?",
        });
      }
    }
    token = page.NextToken;
  } while (token);
  return result;
}
