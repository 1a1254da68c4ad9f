// The folders and the login this machine already has: w2s's own cache, and what the Hugging Face CLI and libraries
// leave on disk (their hub cache, the token `hf auth login` / `huggingface-cli login` saves). Each is found the way
// huggingface_hub finds it, so w2s reuses what those tools downloaded and the login they made.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** $XDG_CACHE_HOME when it is an absolute path (the XDG rule: a relative one is ignored), else ~/.cache. */
export function userCacheHome(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  return xdg && isAbsolute(xdg) ? xdg : join(env.HOME?.trim() || homedir(), '.cache');
}

/** w2s's cache root: W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s (a --cache flag wins over all three). */
export function w2sCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.W2S_CACHE?.trim() || join(userCacheHome(env), 'w2s'));
}

/** The Hugging Face home: HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.HF_HOME?.trim() || join(userCacheHome(env), 'huggingface'));
}

/** The Hugging Face hub cache: HF_HUB_CACHE, else $HF_HOME/hub. */
export function hfHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.HF_HUB_CACHE?.trim() || join(hfHome(env), 'hub'));
}

/** A hub token and where it was found: `HF_TOKEN`, or the path of the file it was read from. */
export interface FoundToken {
  token: string;
  source: string;
}

/**
 * The token to send to the hub: $HF_TOKEN, else the file $HF_TOKEN_PATH, else $HF_HOME/token (where the Hugging Face
 * CLI's login saves it). A missing or unreadable file means no token, as for huggingface_hub.
 */
export function hfToken(env: NodeJS.ProcessEnv = process.env): FoundToken | undefined {
  const fromEnv = env.HF_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'HF_TOKEN' };
  const file = resolve(env.HF_TOKEN_PATH?.trim() || join(hfHome(env), 'token'));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const token = text.trim();
  return token ? { token, source: file } : undefined;
}
