import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { W2sError } from '../src/errors.js';
import { installCommand, isInstalled, loadOptional, NODE_LLAMA_CPP, type OptionalPackage } from '../src/optional.js';

const ABSENT: OptionalPackage = { name: 'w2s-test-no-such-package', version: '9.9.9', enables: 'nothing at all (a test)' };

describe('optional packages', () => {
  it('says what a missing package is needed for and how to install it (exit 2)', async () => {
    const error = await loadOptional(ABSENT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toBe(
      'w2s-test-no-such-package is not installed; it is needed for nothing at all (a test). Install it with: npm install w2s-test-no-such-package@9.9.9',
    );
    expect(await isInstalled(ABSENT)).toBe(false);
  });

  it('loads node-llama-cpp where it is installed (as a devDependency here)', async () => {
    const llama = await loadOptional<{ getLlama: unknown }>(NODE_LLAMA_CPP);
    expect(typeof llama.getLlama).toBe('function');
    expect(await isInstalled(NODE_LLAMA_CPP)).toBe(true);
  });

  it('names the version package.json declares: an optional peer, not a dependency', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.dependencies[NODE_LLAMA_CPP.name]).toBeUndefined();
    expect(pkg.peerDependencies[NODE_LLAMA_CPP.name]).toBe(NODE_LLAMA_CPP.version);
    expect(pkg.peerDependenciesMeta[NODE_LLAMA_CPP.name]).toEqual({ optional: true });
    expect(pkg.devDependencies[NODE_LLAMA_CPP.name]).toBe(NODE_LLAMA_CPP.version);
    expect(installCommand(NODE_LLAMA_CPP)).toBe(`npm install node-llama-cpp@${pkg.peerDependencies['node-llama-cpp']}`);
  });
});
