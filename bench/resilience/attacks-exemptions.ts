/**
 * Issue 14 item 3: exemptions an owner cannot grant himself, from the sources beyond the config
 * file. Replayed against moto through the real wiring (SSM is moto's; CloudTrail's LookupEvents
 * is not served by moto and is answered by a stand-in). Part of ATTACKS (attacks.ts), so the tests
 * and `npm run resilience` replay them.
 */
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { clientConfig, configEvent, createWorld, publicBucket } from "./attack-world.ts";
import type { Attack } from "./attacks.ts";

export const EXEMPTION_ATTACKS: readonly Attack[] = [
  {
    item: 3,
    name: "an SSM exemption entry with no approver and no expiry, globbing every bucket, silences a public bucket",
    async replay(endpoint) {
      const world = await createWorld(endpoint, {
        defaultMode: "enforce",
        exemptions: { ssmPath: "/vigil/exemptions" },
      });
      // Whoever may write one parameter under the path (not the security team's approval).
      await new SSMClient(clientConfig(endpoint)).send(
        new PutParameterCommand({
          Name: "/vigil/exemptions/quick-fix",
          Type: "String",
          Value: JSON.stringify({ resource: "arn:aws:s3:::*", reason: "temporary, trust me" }),
        }),
      );
      await publicBucket(world, "team-share");
      const outcome = await world.handle(
        configEvent("s3-bucket-public-read-prohibited", "AWS::S3::Bucket", "team-share"),
      );
      const told = world.notifier.sent.some(
        (n) => n.subject.includes("exemption source") && /quick-fix ignored/.test(n.body),
      );
      return {
        blocked: outcome.outcome === "applied" && told,
        detail: `outcome ${outcome.outcome}: ${outcome.reason}; entry reported ${told}`,
      };
    },
  },
];
