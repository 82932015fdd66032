/** The desktop shell's security decisions that need no Electron: links that leave the app, path grants, dialogs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { externalLinkOpener, linkDecision } from '../../electron/external-links.js';
import { isUncPath, PathGrants, pathDialog, pathProblem } from '../../electron/path-grants.js';

describe('links out of the app', () => {
  const own = [{ origin: 'https://mtlab.example', pathPrefix: '/docs/' }];

  it('opens the app’s own links at once, asks about other web links, refuses the rest', () => {
    assert.deepEqual(linkDecision('https://mtlab.example/docs/presets', own), {
      action: 'open',
      url: 'https://mtlab.example/docs/presets',
    });
    for (const other of [
      'https://mtlab.example/elsewhere',
      'https://mtlab.example.evil.test/docs/',
      'http://mtlab.example/docs/x',
      'https://attacker.test/phish',
    ]) {
      assert.equal(linkDecision(other, own).action, 'ask', other);
    }
    // What the user is shown is what opens: the normalised address, look-alike letters in punycode.
    assert.deepEqual(linkDecision('https://аpple.com/', own), { action: 'ask', url: 'https://xn--pple-43d.com/' });
    for (const [url, reason] of [
      ['file:///etc/passwd', /file: links/],
      ['smb://host/share', /smb: links/],
      ['javascript:alert(1)', /javascript: links/],
      ['ms-msdt:/id PCWDiagnostic', /ms-msdt: links/],
      ['https://user:secret@mtlab.example/docs/', /user name or password/],
      ['not a url', /not a URL/],
    ] as const) {
      const decision = linkDecision(url, own);
      assert.equal(decision.action, 'refuse', url);
      assert.match((decision as { reason: string }).reason, reason, url);
    }
  });

  it('opens another link only when the user says yes, and asks one question at a time', async () => {
    const opened: string[] = [];
    const questions: string[] = [];
    const logs: string[] = [];
    let answer!: (yes: boolean) => void;
    const open = externalLinkOpener({
      open: (url) => void opened.push(url),
      ask: (url) => {
        questions.push(url);
        return new Promise((resolve) => (answer = resolve));
      },
      allowList: own,
      log: (line) => logs.push(line),
    });
    const first = open('https://example.org/a');
    await open('https://example.org/b'); // while the first question is open: dropped
    await open('https://mtlab.example/docs/guide'); // the app's own: no question
    assert.deepEqual(questions, ['https://example.org/a']);
    assert.deepEqual(opened, ['https://mtlab.example/docs/guide']);
    answer(false);
    await first;
    assert.deepEqual(opened, ['https://mtlab.example/docs/guide']);
    const second = open('https://example.org/c');
    answer(true);
    await second;
    assert.deepEqual(opened, ['https://mtlab.example/docs/guide', 'https://example.org/c']);
    await open('file:///C:/Windows/System32/calc.exe');
    assert.equal(opened.length, 2);
    assert.match(logs.join('\n'), /another one is waiting.*example\.org\/b/);
    assert.match(logs.join('\n'), /file: links are not opened/);
  });
});

describe('path grants', () => {
  it('recognises UNC and device paths on Windows only', () => {
    for (const unc of ['\\\\host\\share', '//host/share', '\\/host/share', '\\\\?\\UNC\\host\\s', '\\\\.\\pipe\\x']) {
      assert.ok(isUncPath(unc, 'win32'), unc);
      assert.match(pathProblem(unc, 'win32')!, /network \(UNC\) path/);
    }
    assert.ok(!isUncPath('C:\\data\\fra.txt', 'win32'));
    assert.ok(!isUncPath('//host/share', 'linux'));
    assert.equal(pathProblem('C:\\data\\fra.txt', 'win32'), null);
    assert.match(pathProblem('C:data\\fra.txt', 'win32')!, /not an absolute path/);
    assert.match(pathProblem('/data/\0.txt', 'linux')!, /NUL/);
    assert.match(pathProblem(`/${'a'.repeat(5000)}`, 'linux')!, /longer than 4096/);
  });

  it('grants a path for one use, after normalising it the way the platform compares paths', () => {
    const linux = new PathGrants('linux');
    linux.grant('read-file', '/data/fra.txt');
    assert.ok(linux.allows('read-file', '/data/./x/../fra.txt'));
    assert.ok(!linux.allows('read-file', '/data/FRA.txt'), 'Linux paths are case-sensitive');
    assert.ok(!linux.allows('write-folder', '/data/fra.txt'));
    assert.ok(!linux.allows('read-file', '/data'));

    const windows = new PathGrants('win32');
    windows.grant('write-folder', 'C:\\Users\\Ada\\Exports');
    assert.ok(windows.allows('write-folder', 'c:/users/ada/exports'));
    assert.ok(!windows.allows('write-folder', 'C:\\Users\\Ada\\Exports\\..\\Desktop'));
    assert.throws(() => windows.grant('read-file', '\\\\host\\share\\x'), /UNC/);
  });

  it('asks with a dialog that says what the app will do with the path', () => {
    const base = { method: 'exportModel' as const, field: 'outDir', use: 'write-folder' as const, path: '/x/gru' };
    const replace = pathDialog({ ...base, replaces: true }, true);
    assert.equal(replace.kind, 'open');
    assert.match(replace.options.title, /replacing the bundle files there/);
    assert.equal(replace.options.buttonLabel, 'Export and Replace');
    assert.equal(replace.options.defaultPath, '/x/gru');
    assert.equal(pathDialog({ ...base, replaces: false }, false).kind, 'save');
    const read = pathDialog({ ...base, method: 'importDataset', use: 'read-file', replaces: false }, true);
    assert.deepEqual(read.kind === 'open' && read.options.properties, ['openFile']);
    assert.match(read.options.message, /import gru/);
  });
});
