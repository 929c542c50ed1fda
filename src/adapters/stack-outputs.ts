import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from "@aws-sdk/client-cloudformation";
import { InputError } from "../domain/errors.ts";

/** What `vigil --stage` (an operator's call, never a function's) needs to read a stack. */
export const STACK_OUTPUT_ACTIONS = ["cloudformation:DescribeStacks"];

/** The outputs of a deployed stack, by OutputKey. A missing stack is the caller's error. */
export async function readStackOutputs(
  cloudformation: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  let stacks: DescribeStacksCommandOutput;
  try {
    stacks = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    const { name, message } = error as Error;
    if (name === "ValidationError" && /does not exist/.test(message)) {
      throw new InputError(
        `no stack ${stackName} in this account and region: deploy the stage first, or pass --region / --stack`,
        { cause: error },
      );
    }
    throw error;
  }
  const outputs: Record<string, string> = {};
  for (const output of stacks.Stacks?.[0]?.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined)
      outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}
