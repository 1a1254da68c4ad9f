// A report table as cells, and its two text forms: Markdown for people, CSV (RFC 4180) for tools.

/** A table of the report: every cell already formatted, so Markdown, CSV and HTML show the same text. */
export interface Table {
  /** File stem under `tables/`. */
  name: string;
  title: string;
  header: string[];
  rows: string[][];
  /** Sentences printed under the table (how to read it); not part of the CSV. */
  notes: string[];
}

/** A GitHub-flavoured Markdown table under a heading, with its notes below. */
export function toMarkdown(table: Table): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`;
  const parts = [`## ${markdownCell(table.title)}`, '', line(table.header), line(table.header.map(() => '---')), ...table.rows.map(line)];
  if (table.notes.length > 0) parts.push('', ...table.notes.map(markdownCell));
  return `${parts.join('\n')}\n`;
}

// A cell must stay on one line and must not end the cell early (`|`) or become HTML or an entity in a Markdown viewer.
// Only a `<` that could open a tag and an `&` that could start an entity are escaped, so "<=" stays readable.
function markdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/&(?=#?\w+;)/g, '&amp;')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** RFC 4180 CSV: header record first, CRLF line ends, fields quoted when they hold a quote, comma or line break. */
export function toCsv(table: Table): string {
  return [table.header, ...table.rows].map((cells) => `${cells.map(csvField).join(',')}\r\n`).join('');
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
