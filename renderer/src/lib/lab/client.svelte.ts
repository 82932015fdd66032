/**
 * The one LabClient the app talks to: `window.lab` in the desktop app (its preload exposes it), otherwise the web
 * client of `mtlab serve`. Also the connection's state, for the header.
 */
import type { LabClient } from '../../../../engine/contract/api.js';
import { createWebClient, type ConnectionState } from './web-client.js';

declare global {
  interface Window {
    lab?: LabClient;
  }
}

class Connection {
  readonly #mode: 'desktop' | 'web';
  // The desktop bridge is in-process: it is live as soon as it exists.
  #state = $state<ConnectionState>('connecting');

  constructor(mode: 'desktop' | 'web') {
    this.#mode = mode;
    if (mode === 'desktop') this.#state = 'live';
  }

  get mode(): 'desktop' | 'web' {
    return this.#mode;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** What the web client reports of its event socket. */
  changed(state: ConnectionState): void {
    this.#state = state;
  }
}

export const connection = new Connection(window.lab === undefined ? 'web' : 'desktop');

export const lab: LabClient =
  window.lab ?? createWebClient({ onConnectionChange: (state) => connection.changed(state) });
