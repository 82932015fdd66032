/**
 * Links that leave the app (a click on an http(s) link, `window.open`): they open in the user's browser, never in
 * the app's window. Which ones open is decided here, in the main process, since the page may be the one at fault:
 * a link in `allowList` (the app's own links) opens at once; any other http(s) link opens only after the user says
 * yes to a question that shows the whole address; anything else (file:, smb:, javascript:, custom schemes, an
 * address with a user name or password in it) is refused. One question at a time: links asked for while one is
 * shown are dropped, so a page cannot bury the user in dialogs.
 */

/** The app's own links, opened without asking: `origin` + a path prefix. The app's pages link to nothing else. */
export interface AllowedLink {
  origin: string;
  pathPrefix?: string;
}

/** None today: the app's pages have no links out. A link added to the app is listed here. */
export const APP_LINKS: readonly AllowedLink[] = [];

export type LinkDecision = { action: 'open' | 'ask'; url: string } | { action: 'refuse'; reason: string };

export function linkDecision(address: string, allowList: readonly AllowedLink[] = APP_LINKS): LinkDecision {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { action: 'refuse', reason: `${address.slice(0, 200)} is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { action: 'refuse', reason: `${url.protocol} links are not opened` };
  }
  if (url.username !== '' || url.password !== '') {
    return { action: 'refuse', reason: 'links with a user name or password in them are not opened' };
  }
  // The normalised form: what the browser will open (host in punycode, so look-alike letters show as xn--).
  const href = url.href;
  const listed = allowList.some(
    (link) => url.origin === link.origin && url.pathname.startsWith(link.pathPrefix ?? '/'),
  );
  return { action: listed ? 'open' : 'ask', url: href };
}

export interface ExternalLinkOptions {
  /** Open a URL in the browser (Electron's `shell.openExternal`). */
  open(url: string): Promise<void> | void;
  /** Ask the user whether to open `url`; true for yes. */
  ask(url: string): Promise<boolean>;
  allowList?: readonly AllowedLink[];
  log?: (line: string) => void;
}

/** Returns the function the app's navigation and window-open handlers hand links to. */
export function externalLinkOpener(options: ExternalLinkOptions): (address: string) => Promise<void> {
  const log = options.log ?? ((line: string) => console.error(line));
  let asking = false;
  return async (address) => {
    const decision = linkDecision(address, options.allowList);
    if (decision.action === 'refuse') {
      log(`mtlab: a link was not opened: ${decision.reason}`);
      return;
    }
    if (decision.action === 'ask') {
      if (asking) {
        log(`mtlab: a link was not opened (another one is waiting for an answer): ${decision.url}`);
        return;
      }
      asking = true;
      let yes: boolean;
      try {
        yes = await options.ask(decision.url);
      } finally {
        asking = false;
      }
      if (!yes) return;
    }
    await options.open(decision.url);
  };
}
