import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** A moto_server process listening on 127.0.0.1 only. */
export interface MotoServer {
  endpoint: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function motoServerAvailable(): boolean {
  const probe = spawnSync("moto_server", ["--help"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

/** moto with atomic S3 conditional writes (see the script); its path on disk. */
export const ATOMIC_MOTO_SCRIPT = fileURLToPath(new URL("./moto_atomic_s3.py", import.meta.url));

/**
 * How to start moto: through the script that makes S3 conditional writes atomic, with the Python
 * that has moto; plain `moto_server` only where that Python cannot be found (never in CI).
 */
function motoCommand(): { command: string; prefix: string[] } {
  const probe = spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0
    ? { command: "python3", prefix: [ATOMIC_MOTO_SCRIPT] }
    : { command: "moto_server", prefix: [] };
}

/** Asks the kernel for a free loopback port. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not allocate a loopback port"));
      });
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited early with code ${child.exitCode}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

export async function startMotoServer(
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<MotoServer> {
  if (!motoServerAvailable()) {
    throw new Error(
      'moto_server is not installed. Install it with: pip install "moto[server]==5.2.1"',
    );
  }
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const { command, prefix } = motoCommand();
  const child = spawn(command, [...prefix, "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true", ...options.env },
  });
  // Never outlive the process that started it (a test run stopped early, a ^C on npm start).
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilReady(endpoint, child, options.timeoutMs ?? 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    async stop() {
      process.removeListener("exit", killChild);
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      });
    },
  };
}
