import { z } from "zod";
import { resourcePolicySettings } from "../resource-policy/settings.ts";

/**
 * lambda-function-policy: the resource-policy settings, plus what to do about a function URL
 * anyone can call (AuthType NONE). Default "alert": a public URL is often the point of the
 * function (a webhook), and requiring IAM auth breaks every caller at once. "aws-iam" sets the
 * URL's AuthType to AWS_IAM and removes its public grant (undo restores both).
 */
export const lambdaFunctionUrlAuth = z.enum(["alert", "aws-iam"]).default("alert");

export const lambdaFunctionPolicySettings = resourcePolicySettings.extend({
  lambdaFunctionUrlAuth,
});
