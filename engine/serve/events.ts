/**
 * Lab events to every connected WebSocket client, as `{"event": NAME, "payload": {...}}` text frames. Clients only
 * listen: whatever they send is ignored. A client that falls far behind (a stalled tab) is dropped rather than
 * buffered without end; the app reconnects and reloads what it shows.
 */
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LabEventName, LabEvents } from '../contract/api.js';

/** Bytes queued for one client before it counts as stalled. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const PING_INTERVAL_MS = 30_000;

export class EventHub {
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly pinger: NodeJS.Timeout;

  constructor() {
    // Connections that vanished without a close (a laptop lid shut) are found by ping and pong.
    this.pinger = setInterval(() => {
      for (const socket of this.sockets.clients) {
        if (this.alive.get(socket) === false) {
          socket.terminate();
          continue;
        }
        this.alive.set(socket, false);
        socket.ping();
      }
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  get clientCount(): number {
    return this.sockets.clients.size;
  }

  /** Complete a handshake the server has already authorised. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.sockets.handleUpgrade(request, socket, head, (client) => {
      this.alive.set(client, true);
      client.on('pong', () => this.alive.set(client, true));
      client.on('error', () => client.terminate());
      this.sockets.emit('connection', client, request);
    });
  }

  broadcast<E extends LabEventName>(event: E, payload: LabEvents[E]): void {
    if (this.sockets.clients.size === 0) return;
    const frame = JSON.stringify({ event, payload });
    for (const client of this.sockets.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
        client.terminate();
        continue;
      }
      client.send(frame);
    }
  }

  close(): void {
    clearInterval(this.pinger);
    for (const client of this.sockets.clients) client.close(1001, 'the lab server is stopping');
    this.sockets.close();
  }
}
