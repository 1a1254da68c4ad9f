// The shapes the hub client's modules share: settings, file references, download options and results.

/** Where and how to reach the hub, read once from the environment. */
export interface HubSettings {
  /** Hub base URL without a trailing slash (HF_ENDPOINT). */
  endpoint: string;
  /**
   * Access token (HF_TOKEN, else the Hugging Face CLI's saved login); sent as a Bearer header to the endpoint's origin
   * only, never written anywhere, never in a message.
   */
  token?: string;
  /** Where the token came from, for messages: `HF_TOKEN` or the token file's path. */
  tokenSource?: string;
  /** Cache root (W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s). */
  cacheDir: string;
  /** The Hugging Face hub cache whose verified files are taken before downloading (HF_HUB_CACHE, $HF_HOME/hub); absent: none. */
  hfHubCache?: string;
  /** HF_HUB_OFFLINE: use the cache only. */
  offline: boolean;
  /**
   * How long a request may wait for the server's answer, and a download for its next bytes, before it is given up and
   * retried (HF_HUB_DOWNLOAD_TIMEOUT, in seconds as huggingface_hub reads it; default 10 s). Absent: the default.
   */
  timeoutMs?: number;
}

/** A file of a dataset repository at a revision, with the checksum and size pinned for it, if any. */
export interface HubFileRef {
  repo: string;
  revision: string;
  path: string;
  sha256?: string;
  size?: number;
}

/** Receives the progress of one file's download (the CLI draws a bar with it). */
export interface DownloadProgress {
  /** A transfer starts; `done` bytes are already on disk from an earlier attempt. */
  start(label: string, total: number | undefined, done: number): void;
  advance(bytes: number): void;
  stop(): void;
}

/** Knobs of a download; the defaults suit the command line. */
export interface DownloadOptions {
  /** How many times an interrupted or transiently failed transfer is resumed within one call (default 3). */
  retries?: number;
  /** Delay before the first retry, doubled after each (default 1000 ms). */
  retryDelayMs?: number;
  /** Download again even when the file is cached. */
  force?: boolean;
  progress?: DownloadProgress;
}

/** A file in the cache, and whether this call had to download it. */
export interface CachedFile {
  path: string;
  downloaded: boolean;
}

/** A task's file: its hub split, its repository path and where it lives in the cache. */
export interface TaskFile {
  split: string;
  repoPath: string;
  path: string;
}

/** What to select of a task's files. */
export interface TaskSelection {
  /** A revision other than the pinned one (the pinned checksums then do not apply). */
  revision?: string;
  /** Only these hub splits (default: all). */
  splits?: readonly string[];
}
