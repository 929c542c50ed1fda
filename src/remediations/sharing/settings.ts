import { z } from "zod";
import { stripExternalAccounts, trustedAccounts } from "../shared-settings.ts";

/**
 * The settings of the remediations that stop sharing a resource by attribute (EBS and RDS
 * snapshots): the same keys, and schema instances, as every resource-policy remediation's, so one
 * `trustedAccounts` and one `stripExternalAccounts` decide for all of them.
 */
export const sharingSettings = z.object({ trustedAccounts, stripExternalAccounts });
