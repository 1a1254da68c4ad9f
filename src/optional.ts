// Packages that only one feature needs are optional peer dependencies: a default install leaves them out (node-llama-cpp
// alone is most of a full install's size, with its prebuilt llama.cpp binaries), and the feature loads its package when
// it runs. Missing, it is the user's to install: exit 2 with the command that does it.
import { badInput } from './errors.js';

/** An optional package: its name, the version w2s is tested with, and what it enables. */
export interface OptionalPackage {
  name: string;
  version: string;
  enables: string;
}

/** llama.cpp's Node binding: GGUF models for `w2s label --backend llamacpp`, and `w2s export gguf --check`. */
export const NODE_LLAMA_CPP: OptionalPackage = {
  name: 'node-llama-cpp',
  version: '3.21.1',
  enables: 'GGUF models (`w2s label --backend llamacpp`, `w2s export gguf --check`)',
};

/** The command that installs an optional package at the version w2s is tested with. */
export function installCommand(pkg: OptionalPackage): string {
  return `npm install ${pkg.name}@${pkg.version}`;
}

/**
 * Loads an optional package (`import(pkg.name)`); when it is not installed, bad input (exit 2) that says what needs it
 * and how to install it. Any other failure (a broken install) is left as it is.
 */
export async function loadOptional<T = unknown>(pkg: OptionalPackage): Promise<T> {
  try {
    return (await import(pkg.name)) as T;
  } catch (error) {
    if (isMissing(error, pkg.name)) {
      throw badInput(`${pkg.name} is not installed; it is needed for ${pkg.enables}. Install it with: ${installCommand(pkg)}`);
    }
    throw error;
  }
}

/** Whether an import failed because the package itself (not something inside it) cannot be found. */
export async function isInstalled(pkg: OptionalPackage): Promise<boolean> {
  try {
    await import(pkg.name);
    return true;
  } catch (error) {
    if (isMissing(error, pkg.name)) return false;
    throw error;
  }
}

function isMissing(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && typeof e.message === 'string' && e.message.includes(`'${name}'`);
}
