/**
 * A streaming decoder for GetMetricData's AWS JSON 1.0 body: fed the body chunk by chunk as it
 * comes off the socket, it hands each result's datapoints to a callback and keeps, for the SDK, the
 * rest of the document (Ids, Labels, StatusCodes, Messages, NextToken) with every result's
 * `Timestamps` and `Values` emptied.
 *
 * Why: a 10,000-metric detect run receives ~230 MB of GetMetricData bodies. Reading each body whole,
 * turning it into one string and `JSON.parse`-ing it holds ~3 MB of bytes, ~3 MB of string and the
 * parsed object graph per response in flight, most of it promoted to the old generation before it
 * dies; that garbage, not the data kept, set the function's peak memory. Here no body, body string
 * or document exists at once: each `[...]` of numbers is parsed on its own (a few kB, dead before
 * the next scavenge) and the skeleton is ~1 % of the body.
 *
 * Numbers are parsed by `JSON.parse` on the array's own text, so every value is the double the
 * SDK's `JSON.parse` of the whole body would give, by construction (no hand-rolled float parsing).
 *
 * Anything off the expected path is left to the SDK exactly as sent: a result without a string Id,
 * a duplicate key, a timestamp that is not a number, a value that is neither a number nor the
 * "NaN" / "Infinity" / "-Infinity" text AWS JSON uses, or text that does not parse. Such a result's
 * arrays stay in the skeleton (so the SDK decodes or rejects them as it always did) and it is not
 * handed to the callback. Structure is only tracked, never validated: invalid JSON outside the
 * arrays reaches the SDK's parser unchanged and fails there as before.
 */

/** A decoded result: timestamps in epoch seconds (as sent), values as doubles, equal lengths not checked. */
export type ResultSink = (id: string, timestamps: number[], values: number[]) => void;

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

const OBJECT = 1;
const ARRAY = 2;

/** Keys are compared only up to this length: longer ones cannot be the ones looked for. */
const MAX_KEY = 24;

const TIMESTAMPS = "Timestamps";
const VALUES = "Values";
const RESULTS = "MetricDataResults";

/** How AWS JSON sends doubles that JSON numbers cannot carry. */
const SPECIAL_DOUBLES: ReadonlyMap<string, number> = new Map([
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
]);

/** One captured Timestamps or Values array of the entry being read. */
interface CapturedArray {
  key: string;
  /** Index of its placeholder in the skeleton's pieces. */
  slot: number;
  /** As sent (kept until the entry closes, in case the entry goes to the SDK after all). */
  raw: string;
  /** As parsed, when it could be decoded. */
  parsed?: unknown[];
}

/** One MetricDataResults entry while it is being read. */
interface OpenResult {
  id: string | undefined;
  arrays: CapturedArray[];
}

export class GetMetricDataDecoder {
  /** The skeleton so far: byte ranges copied from chunks, and text (placeholders filled in later). */
  private readonly pieces: Array<Uint8Array | string> = [];
  /** Container kinds from the root down. */
  private readonly stack: number[] = [];
  /** Per level: the object's current key (undefined inside arrays or before the first key). */
  private readonly keys: Array<string | undefined> = [];
  /** Per level: an object expecting a key next. */
  private readonly expectingKey: boolean[] = [];
  private inString = false;
  private escaped = false;
  /** The string being read is a key; its text so far (undefined once past MAX_KEY or escaped). */
  private keyText: string | undefined;
  private readingKey = false;
  /** While inside a captured array: its key and its text so far. */
  private capturing: string | undefined;
  private captureParts: string[] = [];
  private captureInString = false;
  private captureEscaped = false;
  private result: OpenResult | undefined;
  /** The text of an entry's Id while it is read. */
  private stringText: string | undefined;

  constructor(private readonly sink: ResultSink) {}

  /** Reads the next chunk of the body. */
  write(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let copyFrom = 0;
    let i = 0;
    const length = bytes.length;
    while (i < length) {
      if (this.capturing !== undefined) {
        i = this.capture(bytes, i);
        copyFrom = i;
        continue;
      }
      const byte = bytes[i] as number;
      if (this.inString) {
        this.stringByte(byte);
        i++;
        continue;
      }
      switch (byte) {
        case QUOTE:
          this.inString = true;
          this.escaped = false;
          this.readingKey = this.top() === OBJECT && this.expectingKey.at(-1) === true;
          this.keyText = this.readingKey ? "" : undefined;
          this.stringText =
            !this.readingKey && this.atResultLevel() && this.keys.at(-1) === "Id" ? "" : undefined;
          break;
        case OPEN_OBJECT:
          this.push(OBJECT);
          if (this.atResultLevel()) this.result = { id: undefined, arrays: [] };
          break;
        case OPEN_ARRAY: {
          const key = this.atResultLevel() ? this.keys.at(-1) : undefined;
          if (this.result && (key === TIMESTAMPS || key === VALUES)) {
            this.flush(bytes, copyFrom, i);
            this.result.arrays.push({ key, slot: this.pieces.length, raw: "" });
            this.pieces.push("[]");
            this.capturing = key;
            this.captureParts = [];
            this.captureInString = false;
            this.captureEscaped = false;
            // The capture starts at the "[" itself.
            i = this.capture(bytes, i);
            copyFrom = i;
            continue;
          }
          this.push(ARRAY);
          break;
        }
        case CLOSE_OBJECT:
          if (this.atResultLevel() && this.result) {
            // Only fills in placeholders already in `pieces`: nothing to flush first.
            this.closeResult(this.result);
            this.result = undefined;
          }
          this.pop();
          break;
        case CLOSE_ARRAY:
          this.pop();
          break;
        case COMMA:
          if (this.top() === OBJECT) this.expectingKey[this.expectingKey.length - 1] = true;
          break;
        case COLON:
          if (this.top() === OBJECT) this.expectingKey[this.expectingKey.length - 1] = false;
          break;
        default:
          break;
      }
      i++;
    }
    this.flush(bytes, copyFrom, length);
  }

  /** The skeleton: the body as sent, with every decoded result's Timestamps and Values emptied. */
  end(): Uint8Array {
    if (this.capturing !== undefined && this.result) {
      // The body ended inside an array: hand the SDK what came, so it reports the truncation.
      (this.result.arrays.at(-1) as CapturedArray).raw = this.captureParts.join("");
      this.capturing = undefined;
    }
    if (this.result) {
      // Unterminated result: keep it as sent.
      this.fillRaw(this.result);
      this.result = undefined;
    }
    return Buffer.concat(
      this.pieces.map((piece) =>
        typeof piece === "string" ? Buffer.from(piece, "latin1") : piece,
      ),
    );
  }

  private top(): number | undefined {
    return this.stack.at(-1);
  }

  private push(kind: number): void {
    this.stack.push(kind);
    this.keys.push(undefined);
    this.expectingKey.push(kind === OBJECT);
  }

  private pop(): void {
    this.stack.pop();
    this.keys.pop();
    this.expectingKey.pop();
  }

  /** Inside a MetricDataResults entry: root object, its MetricDataResults array, the entry. */
  private atResultLevel(): boolean {
    return (
      this.stack.length === 3 &&
      this.stack[0] === OBJECT &&
      this.keys[0] === RESULTS &&
      this.stack[1] === ARRAY &&
      this.stack[2] === OBJECT
    );
  }

  private stringByte(byte: number): void {
    if (this.escaped) {
      this.escaped = false;
      // An escaped key never matches the plain names looked for.
      this.keyText = undefined;
      this.stringText = undefined;
      return;
    }
    if (byte === BACKSLASH) {
      this.escaped = true;
      return;
    }
    if (byte === QUOTE) {
      this.inString = false;
      if (this.readingKey) {
        // A key too long or escaped is recorded as "" : it matches none of the names looked for.
        this.keys[this.keys.length - 1] = this.keyText ?? "";
        this.readingKey = false;
      } else if (this.stringText !== undefined && this.result) {
        this.result.id = this.stringText;
      }
      this.keyText = undefined;
      this.stringText = undefined;
      return;
    }
    if (this.keyText !== undefined) {
      this.keyText =
        this.keyText.length < MAX_KEY ? this.keyText + String.fromCharCode(byte) : undefined;
    } else if (this.stringText !== undefined) {
      // Ids are ASCII (^[a-z][a-zA-Z0-9_]*$); anything else makes the Id not ours anyway.
      this.stringText += String.fromCharCode(byte);
    }
  }

  /**
   * Reads a captured array from `from` (its "[" on the first call) to its "]" or the chunk's end;
   * returns where reading stopped.
   */
  private capture(bytes: Buffer, from: number): number {
    let end = -1;
    if (!this.captureInString) {
      const close = bytes.indexOf(CLOSE_ARRAY, from);
      const quote = bytes.indexOf(QUOTE, from);
      if (quote === -1 || (close !== -1 && close < quote)) end = close;
      else end = this.scanWithStrings(bytes, from);
    } else {
      end = this.scanWithStrings(bytes, from);
    }
    if (end === -1) {
      this.captureParts.push(bytes.toString("latin1", from, bytes.length));
      return bytes.length;
    }
    this.captureParts.push(bytes.toString("latin1", from, end + 1));
    this.finishCapture();
    return end + 1;
  }

  /** Index of the array's "]" from `from`, honouring strings (e.g. "NaN"); -1 if not in this chunk. */
  private scanWithStrings(bytes: Buffer, from: number): number {
    for (let i = from; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (this.captureInString) {
        if (this.captureEscaped) this.captureEscaped = false;
        else if (byte === BACKSLASH) this.captureEscaped = true;
        else if (byte === QUOTE) this.captureInString = false;
      } else if (byte === QUOTE) this.captureInString = true;
      else if (byte === CLOSE_ARRAY) return i;
    }
    return -1;
  }

  private finishCapture(): void {
    const key = this.capturing as string;
    const text =
      this.captureParts.length === 1
        ? (this.captureParts[0] as string)
        : this.captureParts.join("");
    this.capturing = undefined;
    this.captureParts = [];
    const array = (this.result as OpenResult).arrays.at(-1) as CapturedArray;
    array.raw = text;
    const parsed = decodeArray(text, key === TIMESTAMPS);
    if (parsed) array.parsed = parsed;
  }

  /**
   * At an entry's "}": hand it to the sink when it has a string Id and exactly one decoded
   * Timestamps and one decoded Values array; otherwise put its arrays back as sent.
   */
  private closeResult(result: OpenResult): void {
    const [first, second] = result.arrays;
    const timestamps = [first, second].find((array) => array?.key === TIMESTAMPS);
    const values = [first, second].find((array) => array?.key === VALUES);
    if (
      result.id !== undefined &&
      result.arrays.length === 2 &&
      timestamps?.parsed !== undefined &&
      values?.parsed !== undefined
    ) {
      this.sink(result.id, timestamps.parsed as number[], toDoubles(values.parsed));
    } else {
      this.fillRaw(result);
    }
  }

  /** Puts a result's arrays back into the skeleton as the SDK would have read them. */
  private fillRaw(result: OpenResult): void {
    for (const array of result.arrays) this.pieces[array.slot] = array.raw;
  }

  /** Copies bytes [from, to) of the chunk into the skeleton. */
  private flush(bytes: Buffer, from: number, to: number): void {
    // Buffer.from copies (Buffer#slice would not): the chunk itself is not kept.
    if (to > from) this.pieces.push(Buffer.from(bytes.subarray(from, to)));
  }
}

/**
 * An array's text, parsed: timestamps must all be JSON numbers; values JSON numbers or AWS JSON's
 * special-double strings (left as text here, so the array can still be put back as sent).
 * Undefined when the text is anything else.
 */
function decodeArray(text: string, timestamps: boolean): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  for (let i = 0; i < parsed.length; i++) {
    const element: unknown = parsed[i];
    if (typeof element === "number") continue;
    if (timestamps || typeof element !== "string") return undefined;
    if (!SPECIAL_DOUBLES.has(element)) return undefined;
  }
  return parsed;
}

/** Values as doubles: AWS JSON's "NaN" / "Infinity" / "-Infinity" text replaced in place. */
function toDoubles(values: unknown[]): number[] {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === "string") values[i] = SPECIAL_DOUBLES.get(value);
  }
  return values as number[];
}
