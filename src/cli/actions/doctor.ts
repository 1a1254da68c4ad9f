// `w2s doctor`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/doctor.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { checkHfEnvironment, pythonCommand } from '../../backends/hf/python.js';
import type { HfInfo } from '../../backends/hf/protocol.js';
import { hfHubCacheDir, hfToken, w2sCacheDir } from '../../hub/local.js';
import { describeKernels, kernelInfo, type KernelInfo } from '../../native/kernel-info.js';
import { installCommand, isInstalled, NODE_LLAMA_CPP } from '../../optional.js';
import { VERSION } from '../../version.js';

export interface DoctorFlags {
  python?: string;
  json?: boolean;
}

/** What `w2s doctor --json` prints. */
export interface DoctorReport {
  w2s: string;
  node: string;
  platform: string;
  cpu: { model: string; cores: number };
  kernels: KernelInfo;
  hf_sidecar: { python: string; ok: true; info: Omit<HfInfo, 'event'> } | { python: string; ok: false; error: string; disables: string };
  node_llama_cpp: { installed: true; version: string | null } | { installed: false; disables: string; install: string };
  /** w2s's cache, the Hugging Face hub cache it reuses, and where a hub token was found (never the token itself). */
  cache: { w2s: string; hf_hub: string; hf_token: string | null };
}

export async function doctorAction(flags: DoctorFlags): Promise<void> {
  const report = await doctor(flags.python);
  process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : text(report));
}

async function doctor(python: string | undefined): Promise<DoctorReport> {
  const interpreter = pythonCommand(python);
  const sidecar: DoctorReport['hf_sidecar'] = await checkHfEnvironment(python).then(
    ({ event: _event, ...info }) => ({ python: interpreter, ok: true as const, info }),
    (error: unknown) => ({
      python: interpreter,
      ok: false as const,
      error: error instanceof Error ? error.message : String(error),
      disables: '--engine hf (w2s run, w2s train) and --backend hf (w2s label)',
    }),
  );
  const llama: DoctorReport['node_llama_cpp'] = (await isInstalled(NODE_LLAMA_CPP))
    ? { installed: true, version: packageVersion(NODE_LLAMA_CPP.name) }
    : { installed: false, disables: NODE_LLAMA_CPP.enables, install: installCommand(NODE_LLAMA_CPP) };
  return {
    w2s: VERSION,
    node: process.version,
    platform: `${platform()} ${arch()}`,
    cpu: { model: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length },
    kernels: kernelInfo(),
    hf_sidecar: sidecar,
    node_llama_cpp: llama,
    cache: { w2s: w2sCacheDir(), hf_hub: hfHubCacheDir(), hf_token: hfToken()?.source ?? null },
  };
}

/** An installed package's version, from the package.json above its entry point (null when it cannot be told). */
function packageVersion(name: string): string | null {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(name));
    for (let up = 0; up < 5; up++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? null;
      } catch {
        // no package.json at this level
      }
    }
  } catch {
    // resolvable only by import, not by require
  }
  return null;
}

function text(r: DoctorReport): string {
  const s = r.hf_sidecar;
  const hf = s.ok
    ? `${s.python}: Python ${s.info.python}, torch ${s.info.torch}, transformers ${s.info.transformers}, peft ${s.info.peft}, accelerate ${s.info.accelerate}; ` +
      `CUDA ${s.info.cuda ? `yes, ${s.info.devices} device${s.info.devices === 1 ? '' : 's'}` : 'no'}, bf16 ${s.info.bf16 ? 'yes' : 'no'}`
    : `missing (disables ${s.disables}): ${s.error}`;
  const l = r.node_llama_cpp;
  const llama = l.installed ? `installed${l.version ? ` (${l.version})` : ''}` : `not installed (disables ${l.disables}); install with: ${l.install}`;
  return (
    [
      `w2s ${r.w2s}`,
      `node ${r.node} on ${r.platform}; CPU ${r.cpu.model} x ${r.cpu.cores}`,
      describeKernels(r.kernels),
      `hf sidecar: ${hf}`,
      `node-llama-cpp: ${llama}`,
      `cache: ${r.cache.w2s} (--cache, else W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s)`,
      `hugging face hub cache: ${r.cache.hf_hub} (reused before downloading; HF_HUB_CACHE, else $HF_HOME/hub)`,
      `hugging face token: ${r.cache.hf_token === null ? 'none (set HF_TOKEN or run `hf auth login` for gated datasets)' : `found (${r.cache.hf_token})`}`,
    ].join('\n') + '\n'
  );
}
