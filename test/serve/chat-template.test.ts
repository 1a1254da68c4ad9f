import { describe, expect, it } from 'vitest';
import { renderChat } from '../../src/serve/chat-template.js';

describe('renderChat', () => {
  it('renders one user message as its raw content, so a chat equals the completion of that prompt', () => {
    const prompt = '### Instruction: Choose an answer. ### Answer:';
    expect(renderChat([{ role: 'user', content: prompt }])).toBe(prompt);
  });

  it('joins the messages of a conversation by a blank line, without role markers', () => {
    expect(
      renderChat([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'Q2' },
      ]),
    ).toBe('Be brief.\n\nQ1\n\nA1\n\nQ2');
  });
});
