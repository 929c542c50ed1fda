import type { TestProject } from "vitest/node";
import {
  type MotoServer,
  motoServerAvailable,
  startMotoServer,
} from "../../sandbox/moto-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string | null;
  }
}

let server: MotoServer | undefined;

export async function setup(project: TestProject) {
  if (!motoServerAvailable()) {
    if (process.env.CI === "true") {
      throw new Error('CI=true and moto_server is missing: pip install "moto[server]==5.2.1"');
    }
    console.warn(
      "moto_server not found: integration tests are skipped (CI treats this as a failure)",
    );
    project.provide("motoEndpoint", null);
    return;
  }
  server = await startMotoServer();
  project.provide("motoEndpoint", server.endpoint);
}

export async function teardown() {
  await server?.stop();
}
