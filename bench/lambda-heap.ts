/**
 * The V8 heap flags the Lambda Node.js runtime derives from the function's memory size: new space
 * = memory/10 (semi space half of it), old space = the rest. Benchmarks run bundles under them.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}
