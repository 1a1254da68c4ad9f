// HTML escaping and the head both pages share, on their own, so that explore.html's writer (run by every `w2s score`)
// does not load the run report.

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * A self-contained page's opening up to `<body>`: the doctype, UTF-8, `csp` as the page's Content-Security-Policy (what
 * the browser may load: nothing from outside), the viewport, the escaped title and the inline style.
 */
export function documentHead(title: string, csp: string, style: string): string[] {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
  ];
}
