import type { ResourceType } from "../domain/finding.ts";

export type IamResourceType = Extract<ResourceType, `AWS::IAM::${string}`>;

export interface ResolvedIamEntity {
  name: string;
  arn: string;
}

/** Resolves Config's IAM unique ids; IamIdResolver implements it. */
export interface IamIdLookup {
  resolve(resourceType: IamResourceType, uniqueId: string): Promise<ResolvedIamEntity | undefined>;
}
