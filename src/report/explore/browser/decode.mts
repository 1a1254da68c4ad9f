// The page's embedded blocks: gzip-compressed JSON in base64 (format.ts), decoded with the browser's own
// DecompressionStream: nothing is fetched.

/** The JSON of block `id`. */
export async function decodeBlock<T>(id: string): Promise<T> {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no block "${id}": it was cut short`);
  const binary = atob((element.textContent ?? '').trim());
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const text = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  return JSON.parse(text) as T;
}

/** Decoded blocks by id, the most recent few kept (a question's detail view needs one or two). */
export class BlockCache<T> {
  private readonly blocks = new Map<string, Promise<T>>();

  constructor(private readonly capacity: number) {}

  get(id: string): Promise<T> {
    let block = this.blocks.get(id);
    if (block === undefined) {
      block = decodeBlock<T>(id);
      if (this.blocks.size >= this.capacity) this.blocks.delete(this.blocks.keys().next().value as string);
    } else this.blocks.delete(id);
    this.blocks.set(id, block);
    return block;
  }
}
