// explore.html's script: decodes the embedded answers, computes reliability and selection with src/core (model.mts),
// and draws the threshold's numbers, the two figures, the questions table and a question's variations.
import { probability, reliabilityScores } from '../../../core/reliability.js';
import { DATA_ELEMENT, EXPLORE_FORMAT, originalBlockId, textBlockId, type ExploreData } from '../format.js';
import { histogramSvg, riskCoverageSvg } from './charts.mjs';
import { BlockCache, decodeBlock } from './decode.mjs';
import { ExploreModel, type Evaluation } from './model.mjs';
import { VirtualTable, type Column } from './table.mjs';

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no element #${id}`);
  return element as T;
};

const fixed = (x: number, digits = 3): string => x.toFixed(digits);
const percent = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const count = (n: number): string => n.toLocaleString('en-US');
const shown = (answer: string | null | undefined): string => (answer === undefined ? '' : answer === null ? '∅' : answer);

type KeptFilter = 'all' | 'kept' | 'dropped';
type CorrectFilter = 'all' | 'correct' | 'wrong';

class ExplorerPage {
  private evaluation: Evaluation;
  private readonly table: VirtualTable;
  private sort: { key: string | null; direction: 'ascending' | 'descending' } = { key: null, direction: 'ascending' };
  private sorted: Int32Array;
  private haystacks: string[] | undefined;
  private readonly texts = new BlockCache<[string, string][]>(8);
  private readonly columns: Column[];
  private readonly prefixLength: number;
  private pending = false;

  constructor(private readonly model: ExploreModel) {
    const { data } = model;
    this.prefixLength = commonPrefixLength(model.questions.map((q) => q.original));
    this.evaluation = model.evaluate(data.options.tauPercentile, data.options.temperature);
    this.sorted = Int32Array.from(model.questions, (q) => q.index);
    this.columns = this.makeColumns();
    this.table = new VirtualTable(
      $('head'),
      $('viewport'),
      $('spacer'),
      $('rows'),
      (q) => this.select(q),
      (key) => this.sortBy(key),
      (q) => (this.evaluation.kept[q] === 1 ? 'kept' : 'dropped'),
    );
    this.table.setColumns(this.columns);

    $('source').textContent = `${data.source} · ${count(model.questions.length)} questions, ${count(data.rowQuestion.length)} answers · seed ${data.options.seed}`;
    const slider = $<HTMLInputElement>('percentile');
    slider.value = String(data.options.tauPercentile);
    const temperature = $<HTMLInputElement>('temperature');
    temperature.value = String(data.options.temperature);
    slider.addEventListener('input', () => this.schedule());
    temperature.addEventListener('input', () => this.schedule());
    for (const id of ['filter-kept', 'filter-correct', 'search']) $(id).addEventListener('input', () => this.applyFilters());
    if (!model.hasGold) $('filter-correct-label').hidden = true;
    for (const id of ['controls', 'numbers', 'charts', 'questions']) $(id).hidden = false;
    this.update();
  }

  /** Recomputes on the next frame: a slider dragged across many values computes once per frame. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.update();
    });
  }

  private update(): void {
    const slider = $<HTMLInputElement>('percentile');
    const temperatureInput = $<HTMLInputElement>('temperature');
    const percentile = Number(slider.value);
    const temperature = Number(temperatureInput.value);
    const validTemperature = temperatureInput.value.trim() !== '' && temperature > 0 && Number.isFinite(temperature);
    temperatureInput.setCustomValidity(validTemperature ? '' : 'T must be a number > 0');
    $('percentile-value').textContent = String(percentile);
    if (validTemperature) this.evaluation = this.model.evaluate(percentile, temperature);
    this.showNumbers();
    $('histogram').innerHTML = histogramSvg(this.model.bins, this.evaluation.tau, this.model.hasGold);
    $('risk-coverage').innerHTML = riskCoverageSvg(this.model.curve, this.evaluation.point);
    if (this.sort.key === 'kept' || this.sort.key === 'sprob') this.resort();
    this.applyFilters();
    if (this.table.selected >= 0) void this.showDetail(this.table.selected);
  }

  private showNumbers(): void {
    const e = this.evaluation;
    const n = this.model.questions.length;
    const items: [string, string, string, number | null][] = [
      ['tau', 'tau (entropy threshold)', fixed(e.tau, 4), e.tau],
      ['kept', 'kept questions', `${count(e.keptCount)} (${percent(e.keptCount / n)})`, e.keptCount],
      ['dropped', 'dropped questions', count(n - e.keptCount), n - e.keptCount],
      ['sft-filter', 'SFT rows: filter', count(e.sft.filter), e.sft.filter],
      ['sft-filter-s', 'SFT rows: filter-s', count(e.sft['filter-s']), e.sft['filter-s']],
      ['sft-reweight', 'SFT rows: reweight', count(e.sft.reweight), e.sft.reweight],
    ];
    if (e.accuracy !== null) {
      items.push(['acc-kept', 'weak-label accuracy, kept', percent(e.accuracy.kept), e.accuracy.kept]);
      items.push(['acc-dropped', 'weak-label accuracy, dropped', percent(e.accuracy.dropped), e.accuracy.dropped]);
      items.push(['acc-all', 'weak-label accuracy, all', percent(e.accuracy.all), e.accuracy.all]);
    }
    if (e.point !== null) items.push(['rc', 'risk at this coverage', `${fixed(e.point.risk)} at ${fixed(e.point.coverage)}`, e.point.risk]);
    $('numbers').replaceChildren(
      ...items.map(([id, term, text, value]) => {
        const item = document.createElement('div');
        const dt = document.createElement('dt');
        dt.textContent = term;
        const dd = document.createElement('dd');
        dd.id = id;
        dd.textContent = text;
        // The exact value, for whoever checks the page against `w2s score` (summary.json).
        dd.dataset.value = value === null ? '' : String(value);
        item.append(dt, dd);
        return item;
      }),
    );
  }

  private makeColumns(): Column[] {
    const { model } = this;
    const { rowVariant, rowAnswer } = model.data;
    const questions = model.questions;
    const answerOfVariant = (q: number, v: number): string => {
      const row = (questions[q]?.rows ?? []).find((r) => rowVariant[r] === v);
      return row === undefined ? '' : shown(model.answer(rowAnswer[row] as number));
    };
    const byNumber = (value: (q: number) => number) => (a: number, b: number) => value(a) - value(b);
    const columns: Column[] = [
      { key: 'id', label: 'id', width: 'minmax(8rem,1.2fr)', text: (q) => questions[q]?.id ?? '', compare: (a, b) => compareText(questions[a]?.id ?? '', questions[b]?.id ?? '') },
      {
        key: 'prompt',
        label: 'original prompt',
        title: this.prefixLength > 0 ? 'the text every original prompt starts with is left out (…)' : 'the prompt of variant 0',
        width: 'minmax(10rem,3fr)',
        text: (q) => {
          const original = questions[q]?.original ?? '';
          return this.prefixLength > 0 ? `…${original.slice(this.prefixLength)}` : original;
        },
      },
    ];
    if (model.variants <= 12) {
      for (let v = 0; v < model.variants; v++) columns.push({ key: `v${v}`, label: `v${v}`, title: `the answer to variant ${v}`, width: 'minmax(2.5rem,.5fr)', text: (q) => answerOfVariant(q, v) });
    } else {
      columns.push({ key: 'answers', label: 'answers', width: 'minmax(8rem,2fr)', text: (q) => (questions[q]?.rows ?? []).map((r) => shown(model.answer(rowAnswer[r] as number))).join(' · ') });
    }
    columns.push(
      { key: 'entropy', label: 'entropy', title: 'S_ent, Eq. 3', width: '4.6rem', numeric: true, text: (q) => fixed(questions[q]?.summary.entropy ?? 0), compare: byNumber((q) => questions[q]?.summary.entropy ?? 0) },
      { key: 'sprob', label: 'S_prob', title: "S_prob of the most frequent answer, Eq. 4", width: '4.6rem', numeric: true, text: (q) => fixed(this.evaluation.majorityScore[q] ?? 0), compare: byNumber((q) => this.evaluation.majorityScore[q] ?? 0) },
      { key: 'kept', label: 'kept', title: 'S_ent <= tau', width: '4.6rem', text: (q) => (this.evaluation.kept[q] === 1 ? 'kept' : 'dropped'), compare: byNumber((q) => this.evaluation.kept[q] ?? 0) },
    );
    if (model.hasGold) {
      columns.push(
        { key: 'gold', label: 'gold', width: 'minmax(3rem,.7fr)', text: (q) => shown(questions[q]?.summary.gold) },
        {
          key: 'correct',
          label: 'weak label',
          title: "the original prompt's answer against gold",
          width: '5rem',
          text: (q) => correctText(questions[q]?.correct ?? null),
          className: (q) => (questions[q]?.correct === true ? 'yes' : questions[q]?.correct === false ? 'no' : ''),
          compare: byNumber((q) => (questions[q]?.correct === null ? -1 : questions[q]?.correct ? 1 : 0)),
        },
      );
    }
    return columns;
  }

  private sortBy(key: string): void {
    this.sort = this.sort.key === key && this.sort.direction === 'ascending' ? { key, direction: 'descending' } : { key, direction: 'ascending' };
    this.resort();
    this.applyFilters();
  }

  private resort(): void {
    const column = this.columns.find((c) => c.key === this.sort.key);
    const order = Array.from(this.model.questions, (q) => q.index);
    if (column?.compare) {
      const sign = this.sort.direction === 'ascending' ? 1 : -1;
      const compare = column.compare;
      // Ties keep the file's order.
      order.sort((a, b) => sign * compare(a, b) || a - b);
    }
    this.sorted = Int32Array.from(order);
    this.table.markSort(this.sort.key, this.sort.direction);
  }

  private applyFilters(): void {
    const kept = $<HTMLSelectElement>('filter-kept').value as KeptFilter;
    const correct = $<HTMLSelectElement>('filter-correct').value as CorrectFilter;
    const query = $<HTMLInputElement>('search').value.trim().toLowerCase();
    const haystacks = query === '' ? undefined : this.searchTexts();
    const questions = this.model.questions;
    const out = new Int32Array(this.sorted.length);
    let n = 0;
    for (const q of this.sorted) {
      if (kept !== 'all' && (this.evaluation.kept[q] === 1) !== (kept === 'kept')) continue;
      if (correct !== 'all' && questions[q]?.correct !== (correct === 'correct')) continue;
      if (haystacks !== undefined && !(haystacks[q] as string).includes(query)) continue;
      out[n++] = q;
    }
    this.table.setOrder(out.subarray(0, n));
    $('shown').textContent = `${count(n)} of ${count(questions.length)} questions`;
    $('shown').dataset.value = String(n);
  }

  /** What the search looks in: id, original prompt and answers, lower-cased once. */
  private searchTexts(): string[] {
    if (this.haystacks === undefined) {
      const { rowAnswer } = this.model.data;
      this.haystacks = this.model.questions.map((q) =>
        [q.id, q.original, ...q.rows.map((r) => shown(this.model.answer(rowAnswer[r] as number)))].join('\n').toLowerCase(),
      );
    }
    return this.haystacks;
  }

  private select(q: number): void {
    this.table.selected = q;
    this.table.render(true);
    void this.showDetail(q);
  }

  /** A question's distribution (Eq. 2) with S_prob (Eq. 4), and every variation's prompt and raw output. */
  private async showDetail(q: number): Promise<void> {
    const question = this.model.questions[q];
    if (question === undefined) return;
    const { data } = this.model;
    const panel = $('detail');
    const { dist, entropy, gold } = question.summary;
    const scores = reliabilityScores(dist, this.evaluation.options.temperature);
    const heading = el('h2', `Question ${question.id}`);
    const facts = el(
      'p',
      [
        `entropy ${fixed(entropy)}`,
        this.evaluation.kept[q] === 1 ? `kept (≤ tau ${fixed(this.evaluation.tau)})` : `dropped (> tau ${fixed(this.evaluation.tau)})`,
        ...(gold === undefined ? [] : [`gold: ${shown(gold)}`]),
        ...(question.correct === null ? [] : [`original prompt's answer: ${correctText(question.correct)}`]),
      ].join(' · '),
    );
    const table = document.createElement('table');
    table.id = 'distribution';
    table.append(rowOf('th', ['answer', 'count', 'p (Eq. 2)', `S_prob (Eq. 4, T = ${this.evaluation.options.temperature})`]));
    dist.classes.forEach((c, k) => table.append(rowOf('td', [shown(c.answer), String(c.count), fixed(probability(dist, c.count)), fixed(scores[k] ?? 0)])));
    const variations = document.createElement('div');
    variations.className = 'variations';
    variations.textContent = 'Loading the texts…';
    panel.replaceChildren(heading, facts, table, variations);
    panel.hidden = false;
    panel.dataset.question = question.id;

    const texts = await Promise.all(question.rows.map((r) => this.rowText(r)));
    if (this.table.selected !== q) return;
    variations.replaceChildren(
      ...question.rows.map((r, i) => {
        const box = document.createElement('div');
        box.className = 'variation';
        const [prompt, output] = texts[i] as [string, string];
        box.append(
          el('h3', `variant ${data.rowVariant[r]}: ${shown(this.model.answer(data.rowAnswer[r] as number))}`),
          el('strong', 'prompt'),
          el('pre', prompt, 'prompt'),
          el('strong', 'output'),
          el('pre', output, 'output'),
        );
        return box;
      }),
    );
  }

  /** A row's prompt and output, from its text block. */
  private async rowText(row: number): Promise<[string, string]> {
    const starts = this.model.data.textBlockStarts;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= row) lo = mid;
      else hi = mid - 1;
    }
    const block = await this.texts.get(textBlockId(lo));
    return block[row - (starts[lo] as number)] ?? ['', ''];
  }
}

function correctText(correct: boolean | null): string {
  return correct === null ? '' : correct ? 'correct' : 'wrong';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function el(tag: string, text: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function rowOf(cell: 'th' | 'td', texts: string[]): HTMLTableRowElement {
  const row = document.createElement('tr');
  texts.forEach((text, i) => {
    const c = el(cell, text);
    if (i === 0 && cell === 'td') c.className = 'text';
    row.append(c);
  });
  return row;
}

/** The length of the text all prompts start with, cut back to a word boundary; 0 when under 24 characters. */
function commonPrefixLength(texts: readonly string[]): number {
  const nonEmpty = texts.filter((t) => t !== '');
  if (nonEmpty.length < 2) return 0;
  let length = (nonEmpty[0] as string).length;
  for (const text of nonEmpty) {
    const first = nonEmpty[0] as string;
    let i = 0;
    while (i < length && i < text.length && text.charCodeAt(i) === first.charCodeAt(i)) i++;
    length = i;
    if (length === 0) return 0;
  }
  const cut = (nonEmpty[0] as string).lastIndexOf(' ', length);
  const at = cut > 0 ? cut + 1 : length;
  return at >= 24 ? at : 0;
}

async function start(): Promise<void> {
  const status = $('status');
  try {
    const data = await decodeBlock<ExploreData>(DATA_ELEMENT);
    if (data.format !== EXPLORE_FORMAT) throw new Error(`this page's data has format ${String(data.format)}; this script reads format ${EXPLORE_FORMAT}`);
    const blocks = await Promise.all(Array.from({ length: data.originalBlocks }, (_, k) => decodeBlock<string[]>(originalBlockId(k))));
    const model = new ExploreModel(data, blocks.flat());
    new ExplorerPage(model);
    status.hidden = true;
    // The first table is drawn once this frame is painted: what the bench times.
    requestAnimationFrame(() => {
      performance.mark('w2s-explore-ready');
      document.body.dataset.ready = 'true';
    });
  } catch (error) {
    status.textContent = `This page cannot show its data: ${(error as Error).message}`;
    document.body.dataset.ready = 'error';
    throw error;
  }
}

void start();
