// Reads an SVG the way the tests need it: strictly as XML (a malformed document throws), then by vega's mark classes.
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export function parseSvg(svg: string): Document {
  return new DOMParser().parseFromString(svg, 'image/svg+xml');
}

function byClass(doc: Document, tag: string, className: string): Element[] {
  return Array.from(doc.getElementsByTagName(tag)).filter((e) => (e.getAttribute('class') ?? '').split(/\s+/).includes(className));
}

/** The item elements of a named vega-lite layer (`<name>_marks`): paths for bars and rects, texts, symbols. */
export function markItems(doc: Document, layer: string, tag: string): Element[] {
  return byClass(doc, 'g', `${layer}_marks`).flatMap((g) => Array.from(g.getElementsByTagName(tag)));
}

/** The text of every `<text>` element, in document order. */
export function texts(doc: Document): string[] {
  return Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent ?? '');
}
