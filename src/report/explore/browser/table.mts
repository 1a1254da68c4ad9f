// The questions table, virtualised: only the rows in view (and a few beyond) exist in the DOM, so 100,000 questions
// scroll as smoothly as 40.

export const ROW_HEIGHT = 26;
const OVERSCAN = 12;

export interface Column {
  key: string;
  label: string;
  /** A CSS grid track. */
  width: string;
  title?: string;
  numeric?: boolean;
  /** Sortable columns compare two question indices. */
  compare?: (a: number, b: number) => number;
  text: (q: number) => string;
  /** An extra class of the cell (e.g. "yes"/"no"). */
  className?: (q: number) => string;
}

export class VirtualTable {
  private columns: Column[] = [];
  private order: Int32Array = new Int32Array(0);
  private readonly pool: HTMLDivElement[] = [];
  private first = -1;
  private last = -1;
  selected = -1;

  constructor(
    private readonly head: HTMLElement,
    private readonly viewport: HTMLElement,
    private readonly spacer: HTMLElement,
    private readonly body: HTMLElement,
    private readonly onSelect: (question: number) => void,
    private readonly onSort: (key: string) => void,
    private readonly rowClass: (question: number) => string,
  ) {
    viewport.addEventListener('scroll', () => this.render(false), { passive: true });
    body.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('.row');
      const q = Number(row?.dataset.question ?? -1);
      if (q >= 0) this.onSelect(q);
    });
  }

  setColumns(columns: Column[]): void {
    this.columns = columns;
    const tracks = columns.map((c) => c.width).join(' ');
    this.head.parentElement?.style.setProperty('--columns', tracks);
    this.head.replaceChildren(
      ...columns.map((c) => {
        const cell = document.createElement('span');
        cell.setAttribute('role', 'columnheader');
        if (c.numeric) cell.className = 'num';
        if (c.compare) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = c.label;
          button.dataset.key = c.key;
          button.addEventListener('click', () => this.onSort(c.key));
          cell.append(button);
        } else cell.textContent = c.label;
        if (c.title) cell.title = c.title;
        return cell;
      }),
    );
    for (const row of this.pool) row.remove();
    this.pool.length = 0;
    this.render(true);
  }

  /** Marks the sorted column's header. */
  markSort(key: string | null, direction: 'ascending' | 'descending'): void {
    for (const button of this.head.querySelectorAll<HTMLButtonElement>('button')) {
      if (button.dataset.key === key) button.setAttribute('aria-sort', direction);
      else button.removeAttribute('aria-sort');
    }
  }

  /** The questions to list, in order (question indices). */
  setOrder(order: Int32Array): void {
    this.order = order;
    this.spacer.style.height = `${order.length * ROW_HEIGHT}px`;
    this.render(true);
  }

  get length(): number {
    return this.order.length;
  }

  /** Re-draws the rows in view (`force`: even if the same rows are in view). */
  render(force: boolean): void {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.order.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    if (!force && first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    while (this.pool.length < last - first) this.pool.push(this.makeRow());
    this.body.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    for (let i = 0; i < this.pool.length; i++) {
      const row = this.pool[i] as HTMLDivElement;
      const at = first + i;
      if (at >= last) {
        if (row.parentElement) row.remove();
        continue;
      }
      const q = this.order[at] as number;
      this.fill(row, q);
      if (!row.parentElement) this.body.append(row);
    }
  }

  private makeRow(): HTMLDivElement {
    const row = document.createElement('div');
    row.setAttribute('role', 'row');
    for (let c = 0; c < this.columns.length; c++) {
      const cell = document.createElement('span');
      cell.setAttribute('role', 'cell');
      row.append(cell);
    }
    return row;
  }

  private fill(row: HTMLDivElement, q: number): void {
    row.dataset.question = String(q);
    row.className = `row ${this.rowClass(q)}${q === this.selected ? ' selected' : ''}`;
    this.columns.forEach((column, c) => {
      const cell = row.children[c] as HTMLElement;
      const text = column.text(q);
      if (cell.textContent !== text) cell.textContent = text;
      cell.className = `${column.numeric ? 'num ' : ''}${column.className?.(q) ?? ''}`;
      if (column.key === 'prompt' || column.key === 'id') cell.title = text;
    });
  }
}
