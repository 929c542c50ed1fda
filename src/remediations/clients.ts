import { VigilError } from "../domain/errors.ts";
import type { AwsClientClass, RemediationContext } from "../ports/remediation.ts";

/** A service's client for the finding's account and region, from the runner's context. */
export function serviceClient<Client>(
  ctx: Pick<RemediationContext<unknown>, "client">,
  remediation: string,
  Client: AwsClientClass<Client>,
): Client {
  if (!ctx.client) throw new VigilError(`${remediation}: the runner gave no AWS client factory`);
  return ctx.client(Client);
}
