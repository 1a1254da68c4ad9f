// Numbers as canonical answers (GSM8K): one written form per value, so that "$1,234", "1234" and "1234.00" agree.

// A number token: an optional minus sign that is not part of a word ("COVID-19" has no negative number), an
// optional dollar sign, then digits with optional thousands commas and an optional decimal part, or ".5".
const NUMBER = /(?<![\w.])([-−]?)\$?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)/;

/**
 * The first number in `text`, normalised: no sign for zero, no dollar sign, no thousands commas, no leading zeros,
 * no trailing decimal zeros ("3.0" -> "3", "2.50" -> "2.5", "-5" -> "-5"); null when the text holds no number.
 */
export function firstNumber(text: string): string | null {
  const match = NUMBER.exec(text);
  if (!match) return null;
  const negative = match[1] !== '';
  const [whole = '', fraction = ''] = (match[2] ?? '').replace(/,/g, '').split('.');
  const integerPart = whole.replace(/^0+(?=\d)/, '') || '0';
  const fractionPart = fraction.replace(/0+$/, '');
  const magnitude = fractionPart === '' ? integerPart : `${integerPart}.${fractionPart}`;
  return negative && magnitude !== '0' ? `-${magnitude}` : magnitude;
}

/** The number on the first non-blank line of a model output, normalised (see {@link firstNumber}). */
export function parseFirstLineNumber(output: string): string | null {
  const line = output.split(/\r?\n/).find((candidate) => candidate.trim() !== '');
  return line === undefined ? null : firstNumber(line);
}
