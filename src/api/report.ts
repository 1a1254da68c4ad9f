// `w2s/report`: a run's results (results.json, docs/contracts.md) as the paper's tables, figures and report.html.
export { writeReport, type ReportPaths } from '../report/write.js';
export { summaryTable } from '../report/terminal.js';
export { comparisonsTable, diagnosticsTable, oursAndControlsTable, reportTables, table1, table2 } from '../report/tables.js';
export { toCsv, toMarkdown, type Table } from '../report/table.js';
export { renderReportHtml } from '../report/html.js';
export { reportFigures, renderSvg, type Figure, type FigureKind } from '../report/figures.js';
export type { Comparison, MethodName, MethodResult, RunResults, TaskResults, WeakLabelDiagnostics } from '../run/results.js';
