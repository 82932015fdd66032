/** `npm run dist` where Electron's release cannot be downloaded: it says why and fails before building anything. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot, tempDir } from '../helpers/paths.js';

interface BuilderConfig {
  files: string[];
  linux: { files: string[] };
  mac: { files: string[] };
  win: { files: string[] };
  electronVersion?: string;
  asar?: boolean;
  electronFuses?: Record<string, boolean>;
}

const builderConfig = (): BuilderConfig =>
  parse(readFileSync(path.join(repoRoot, 'build', 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('packaged app', () => {
  it('cannot be run as Node, loads only its own archive, and checks that archive', () => {
    const config = builderConfig();
    assert.equal(config.asar, true);
    assert.deepEqual(config.electronFuses, {
      // Training workers are utility processes (electron/training-worker.ts): nothing needs ELECTRON_RUN_AS_NODE.
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('carries the webgpu (Dawn) binary of its own platform and architecture only, not all five', () => {
    // electron-builder's own matcher (app-builder-lib, installed with electron-builder), on the patterns as it
    // combines them: the global `files`, then the platform's, with `\${arch}` expanded; node_modules paths are
    // matched relative to the app folder, as its node-module copier does.
    const { FileMatcher } = createRequire(import.meta.url)('app-builder-lib/out/fileMatcher.js') as {
      FileMatcher: new (
        from: string,
        to: string,
        expand: (pattern: string) => string,
        patterns: string[],
      ) => { createFilter(): (file: string, stat: object) => boolean };
    };
    const config = builderConfig();
    const folders = ['darwin-universal', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64'];
    const stat = (relative: string, directory: boolean) => ({
      moduleFullFilePath: relative,
      isDirectory: () => directory,
      isFile: () => !directory,
      isSymbolicLink: () => false,
    });
    const targets = [
      ['linux', 'x64', 'linux-x64'],
      ['linux', 'arm64', 'linux-arm64'],
      ['mac', 'universal', 'darwin-universal'],
      ['win', 'x64', 'win32-x64'],
      ['win', 'arm64', 'win32-arm64'],
    ] as const;
    for (const [platform, arch, expected] of targets) {
      const matcher = new FileMatcher(repoRoot, path.join(tempDir(), 'app'), (p) => p.replaceAll('${arch}', arch), [
        '**/*',
        ...config.files,
        ...config[platform].files,
      ]);
      const filter = matcher.createFilter();
      const file = path.join(repoRoot, 'node_modules', 'webgpu');
      const kept = folders.filter(
        (folder) =>
          filter(file, stat(`node_modules/webgpu/dist/${folder}`, true)) &&
          filter(file, stat(`node_modules/webgpu/dist/${folder}/dawn.node`, false)),
      );
      assert.deepEqual(kept, [expected], `${platform} ${arch}`);
      assert.ok(filter(file, stat('node_modules/webgpu/index.js', false)), 'the package itself is carried');
    }
  });

  it('is built for the Electron that npm installs', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const pinned = manifest.devDependencies.electron!;
    assert.match(pinned, /^\d+\.\d+\.\d+$/, 'an exact version: native modules are rebuilt for its ABI');
    assert.equal(builderConfig().electronVersion, pinned);
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    assert.equal(lock.packages['node_modules/electron']?.version, pinned);
    // Electron fixes security bugs in its latest three majors only; 45 is the current one as this is written.
    assert.ok(Number(pinned.split('.')[0]) >= 45, `Electron ${pinned} no longer gets security fixes`);
  });
});

function electronInstalled(): boolean {
  try {
    const executable = readFileSync(path.join(repoRoot, 'node_modules', 'electron', 'path.txt'), 'utf8').trim();
    return existsSync(path.join(repoRoot, 'node_modules', 'electron', 'dist', executable));
  } catch {
    return false;
  }
}

describe('npm run dist', () => {
  it(
    'says clearly that Electron cannot be downloaded, and exits non-zero',
    { skip: electronInstalled() && 'the installed Electron binary is packaged without a download' },
    async () => {
      // A port that was free a moment ago: connections to it are refused.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const mirror = `http://127.0.0.1:${port}/`;
      const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'dist.mjs'), '--check'], {
        cwd: repoRoot,
        encoding: 'utf8',
        // An empty cache holds no Electron release.
        env: { ...process.env, ELECTRON_MIRROR: mirror, ELECTRON_CACHE: tempDir() },
      });
      assert.equal(result.status, 1);
      const line = result.stdout.split('\n').find((l) => l.includes('cannot be downloaded'));
      assert.ok(line !== undefined, result.stdout);
      assert.match(line, /^mtlab dist: Electron \d+\.\d+\.\d+ for \S+ cannot be downloaded from /);
      assert.ok(line.includes(`${mirror}v`), line);
      assert.match(line, /\.zip \(ECONNREFUSED\)$/);
      assert.match(result.stdout, /no packages were built/);
      assert.equal(result.stderr, '');
    },
  );
});
