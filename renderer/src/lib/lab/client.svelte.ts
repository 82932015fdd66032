/**
 * The one LabClient the app talks to: `window.lab` in the desktop app (its preload exposes it), otherwise the web
 * client of `mtlab serve`. Also the connection's state, for the header.
 */
import type { LabClient } from '../../../../engine/api.js';
import { createWebClient, type ConnectionState } from './web-client.js';

declare global {
  interface Window {
    lab?: LabClient;
  }
}

class Connection {
  state = $state<ConnectionState>('connecting');
  readonly mode: 'desktop' | 'web';

  constructor(mode: 'desktop' | 'web') {
    this.mode = mode;
    // The desktop bridge is in-process: it is live as soon as it exists.
    if (mode === 'desktop') this.state = 'live';
  }
}

export const connection = new Connection(window.lab === undefined ? 'web' : 'desktop');

export const lab: LabClient =
  window.lab ?? createWebClient({ onConnectionChange: (state) => (connection.state = state) });
