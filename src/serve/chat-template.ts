/*
 * The chat template of `w2s serve`. The models this server runs are base models fine-tuned on raw prompts (the paper's
 * App. B prompts), so they know no chat format, and the template adds none: the prompt is the messages' contents in
 * order, joined by a blank line, with no role markers. A conversation of one user message is therefore exactly the
 * raw prompt, and /v1/chat/completions answers what /v1/completions answers for the same text; this is how
 * `w2s label --api chat` sends a prompt (one user message). A system message is one more paragraph before the rest;
 * a final assistant message is continued (its text is the start of the answer).
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** The separator between messages. */
export const MESSAGE_SEPARATOR = '\n\n';

/** The raw prompt of a conversation. */
export function renderChat(messages: readonly ChatMessage[]): string {
  return messages.map((m) => m.content).join(MESSAGE_SEPARATOR);
}
