/**
 * Checks a CloudFormation template against the CloudFormation resource specification as the AWS
 * CDK publishes it (@aws-cdk/aws-service-spec): resource types exist, properties exist with the
 * right shape, required properties are present, Ref/GetAtt/Sub/DependsOn name real resources and
 * attributes. Values built with intrinsic functions are accepted for any type (their value is only
 * known at deploy time). Test tooling only.
 */
import { loadAwsServiceSpec } from "@aws-cdk/aws-service-spec";
import type { PropertyType, Resource, SpecDatabase } from "@aws-cdk/service-spec-types";

export interface Template {
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }
  >;
  Outputs?: Record<string, unknown>;
}

const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

let database: Promise<SpecDatabase> | undefined;
export function specDatabase(): Promise<SpecDatabase> {
  database ??= loadAwsServiceSpec();
  return database;
}

function isIntrinsic(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || (keys[0] as string).startsWith("Fn::"));
}

/** Problems found, each naming the logical id and the property path; empty when valid. */
export async function validateTemplate(template: Template): Promise<string[]> {
  const db = await specDatabase();
  const problems: string[] = [];
  const ids = new Set(Object.keys(template.Resources));
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const specs = new Map<string, Resource>();

  const typeProblems = (value: unknown, type: PropertyType, path: string): string[] => {
    if (isIntrinsic(value)) return [];
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
    switch (type.type) {
      case "string":
        return typeof value === "string" ? [] : [`${path}: expected a string`];
      case "number":
      case "integer":
        // CloudFormation accepts numbers written as strings.
        return typeof value === "number" ||
          (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))
          ? []
          : [`${path}: expected a number`];
      case "boolean":
        return typeof value === "boolean" || value === "true" || value === "false"
          ? []
          : [`${path}: expected a boolean`];
      case "date-time":
        return typeof value === "string" ? [] : [`${path}: expected a date-time string`];
      case "json":
      case "null":
        return [];
      case "tag":
        return isObject && "Key" in value && "Value" in value
          ? []
          : [`${path}: expected {Key, Value}`];
      case "array":
        return Array.isArray(value)
          ? value.flatMap((item, i) => typeProblems(item, type.element, `${path}[${i}]`))
          : [`${path}: expected a list`];
      case "map":
        return isObject
          ? Object.entries(value).flatMap(([key, item]) =>
              typeProblems(item, type.element, `${path}.${key}`),
            )
          : [`${path}: expected a map`];
      case "union": {
        const tries = type.types.map((alternative) => typeProblems(value, alternative, path));
        return tries.some((t) => t.length === 0) ? [] : (tries[0] ?? [`${path}: no allowed type`]);
      }
      case "ref": {
        const definition = db.get("typeDefinition", type.reference.$ref);
        return isObject
          ? propertyProblems(value as Record<string, unknown>, definition.properties, path)
          : [`${path}: expected an object (${definition.name})`];
      }
    }
  };

  const propertyProblems = (
    value: Record<string, unknown>,
    properties: Resource["properties"],
    path: string,
  ): string[] => {
    const found: string[] = [];
    for (const [name, item] of Object.entries(value)) {
      const property = properties[name];
      if (property) found.push(...typeProblems(item, property.type, `${path}.${name}`));
      else found.push(`${path}.${name}: no such property`);
    }
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && !(name in value)) found.push(`${path}.${name}: required`);
    }
    return found;
  };

  const checkReferences = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) checkReferences(item, `${path}[${i}]`);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === "string") {
      const name = object.Ref;
      if (!ids.has(name) && !parameters.has(name) && !PSEUDO_PARAMETERS.has(name))
        problems.push(`${path}: Ref to unknown ${name}`);
    }
    const getAtt = object["Fn::GetAtt"];
    if (Array.isArray(getAtt)) checkAttribute(getAtt[0] as string, getAtt[1] as string, path);
    const sub = object["Fn::Sub"];
    const subText = typeof sub === "string" ? sub : Array.isArray(sub) ? sub[0] : undefined;
    const subVariables = Array.isArray(sub) ? Object.keys((sub[1] as object) ?? {}) : [];
    if (typeof subText === "string") {
      for (const [, name] of subText.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const variable = name as string;
        if (subVariables.includes(variable) || PSEUDO_PARAMETERS.has(variable)) continue;
        const [id, attribute] = variable.split(/\.(.+)/) as [string, string | undefined];
        if (attribute) checkAttribute(id, attribute, path);
        else if (!ids.has(id) && !parameters.has(id))
          problems.push(`${path}: Sub names unknown ${id}`);
      }
    }
    for (const [key, item] of Object.entries(object)) checkReferences(item, `${path}.${key}`);
  };

  const checkAttribute = (id: string, attribute: string, path: string): void => {
    const target = template.Resources[id];
    if (!target) {
      problems.push(`${path}: GetAtt of unknown resource ${id}`);
      return;
    }
    const spec = specs.get(id);
    if (spec && !(attribute in spec.attributes)) {
      problems.push(`${path}: ${target.Type} has no attribute ${attribute}`);
    }
  };

  for (const [id, resource] of Object.entries(template.Resources)) {
    const found = db.lookup("resource", "cloudFormationType", "equals", resource.Type);
    if (found.length !== 1) {
      problems.push(`${id}: unknown resource type ${resource.Type}`);
      continue;
    }
    specs.set(id, found.only());
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    const spec = specs.get(id);
    if (spec) problems.push(...propertyProblems(resource.Properties ?? {}, spec.properties, id));
    for (const dependency of [resource.DependsOn ?? []].flat() as string[]) {
      if (!ids.has(dependency)) problems.push(`${id}.DependsOn: unknown ${dependency}`);
    }
    if (
      typeof resource.Condition === "string" &&
      !(resource.Condition in (template.Conditions ?? {}))
    )
      problems.push(`${id}.Condition: unknown condition ${resource.Condition}`);
    checkReferences(resource.Properties ?? {}, id);
  }
  checkReferences(template.Outputs ?? {}, "Outputs");
  return problems;
}
