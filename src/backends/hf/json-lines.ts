// The sidecar speaks JSON lines on stdout. Pipes deliver bytes in arbitrary chunks, so a line (or a multi-byte UTF-8
// character) may arrive in pieces; this splits the byte stream into whole lines and parses each one.
import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into lines ("\n" or "\r\n"), holding back the unfinished tail until its newline comes. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private tail = '';

  /** The lines completed by this chunk. */
  push(chunk: Buffer | string): string[] {
    const text = this.tail + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    return lines.map(stripCarriageReturn);
  }

  /** The last line when the stream ended without a newline (none when it ended with one). */
  end(): string[] {
    const rest = this.tail + this.decoder.end();
    this.tail = '';
    return rest === '' ? [] : [stripCarriageReturn(rest)];
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** A stdout line that breaks the protocol (not JSON, not an object): a bug on the other side, never the user's input. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Parses one protocol line into an object; blank lines are skipped (null). `source` names the speaker in errors. */
export function parseJsonLine(line: string, source: string): Record<string, unknown> | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError(`${source} wrote a line on stdout that is not JSON: ${quoteLine(line)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`${source} wrote a line on stdout that is not a JSON object: ${quoteLine(line)}`);
  }
  return value as Record<string, unknown>;
}

/** A line as an error message shows it: quoted, and cut when long. */
function quoteLine(line: string): string {
  const shown = line.length > 200 ? `${line.slice(0, 200)}...` : line;
  return JSON.stringify(shown);
}

/** Lines of a byte stream parsed as protocol objects, chunk by chunk. */
export class JsonLineReader {
  private readonly lines = new LineSplitter();

  constructor(private readonly source: string) {}

  /** The objects completed by this chunk; throws ProtocolError on a line that is not a JSON object. */
  push(chunk: Buffer | string): Record<string, unknown>[] {
    return this.parse(this.lines.push(chunk));
  }

  /** The object of an unterminated last line, if any. */
  end(): Record<string, unknown>[] {
    return this.parse(this.lines.end());
  }

  private parse(lines: string[]): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of lines) {
      const value = parseJsonLine(line, this.source);
      if (value !== null) out.push(value);
    }
    return out;
  }
}
