/**
 * An in-memory S3 bucket behind the S3Client `send` surface the journal uses (Put/Get/Delete
 * object, ListObjectsV2, If-None-Match / If-Match), counting every write and its bytes: for tests
 * that measure what the journal writes without a server.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

export interface MemoryS3 {
  client: S3Client;
  objects: Map<string, { body: string; etag: string }>;
  /** Every PutObject that was stored: key and body size in bytes. */
  writes: Array<{ key: string; bytes: number }>;
  /** When set, every call fails with it (the container died, the network went away). */
  failWith?: Error | undefined;
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

export function memoryS3(): MemoryS3 {
  let version = 0;
  const store: MemoryS3 = {
    objects: new Map(),
    writes: [],
    client: undefined as unknown as S3Client,
  };
  const send = async (command: unknown): Promise<unknown> => {
    if (store.failWith) throw store.failWith;
    if (command instanceof PutObjectCommand) {
      const { Key, Body, IfNoneMatch, IfMatch } = command.input;
      const key = Key as string;
      const existing = store.objects.get(key);
      if (IfNoneMatch === "*" && existing) throw s3Error("PreconditionFailed", 412);
      if (IfMatch !== undefined && existing?.etag !== IfMatch) {
        throw s3Error("PreconditionFailed", 412);
      }
      const body =
        typeof Body === "string" ? Body : Buffer.from(Body as Uint8Array).toString("utf8");
      const etag = `"${++version}"`;
      store.objects.set(key, { body, etag });
      store.writes.push({ key, bytes: Buffer.byteLength(body) });
      return { ETag: etag };
    }
    if (command instanceof GetObjectCommand) {
      const object = store.objects.get(command.input.Key as string);
      if (!object) throw s3Error("NoSuchKey", 404);
      return { ETag: object.etag, Body: { transformToString: async () => object.body } };
    }
    if (command instanceof DeleteObjectCommand) {
      const key = command.input.Key as string;
      const existing = store.objects.get(key);
      if (command.input.IfMatch !== undefined && existing?.etag !== command.input.IfMatch) {
        throw s3Error("PreconditionFailed", 412);
      }
      store.objects.delete(key);
      return {};
    }
    if (command instanceof ListObjectsV2Command) {
      const { Prefix = "", StartAfter = "" } = command.input;
      const keys = [...store.objects.keys()]
        .filter((key) => key.startsWith(Prefix) && key > StartAfter)
        .sort();
      return { Contents: keys.map((Key) => ({ Key })), IsTruncated: false };
    }
    throw new Error(`memoryS3: ${(command as object).constructor.name} is not served`);
  };
  store.client = { send } as unknown as S3Client;
  return store;
}
