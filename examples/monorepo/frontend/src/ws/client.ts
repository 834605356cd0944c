import type { ClientMessage, ServerMessage, Thread } from './types';
import { useChatStore } from '../store/chat';

const RECONNECT_DELAY_MS = 2_000;

export class ChatSocket {
  private socket: WebSocket | null = null;

  constructor(private readonly url: string) {}

  connect(): void {
    const socket = new WebSocket(this.url);
    socket.addEventListener('message', (event) => this.onMessage(JSON.parse(event.data)));
    socket.addEventListener('close', () => setTimeout(() => this.connect(), RECONNECT_DELAY_MS));
    this.socket = socket;
  }

  startAgent(prompt: string): void {
    this.send({ type: 'start_agent', payload: { prompt } });
  }

  stopAgent(runId: string): void {
    this.send({ type: 'stop_agent', payload: { run_id: runId } });
  }

  sendUserMessage(text: string): void {
    this.send({ type: 'user_message', payload: { text } });
  }

  typing(): void {
    this.send({ type: 'typing_indicator' });
  }

  ping(): void {
    this.send({ type: 'ping' });
  }

  private send(message: ClientMessage): void {
    this.socket?.send(JSON.stringify(message));
  }

  private onMessage(message: ServerMessage): void {
    const store = useChatStore.getState();
    switch (message.type) {
      case 'thread_created':
        store.addThread(message.payload as unknown as Thread);
        break;
      case 'thread_updated':
        store.updateThread(message.payload as unknown as Thread);
        break;
      case 'agent_started':
        store.setRunning(message.payload); // error: ISO404
        break;
      case 'agentCompleted':
        store.setDone(message.payload);
        break;
      case 'session_expired': // error: ISO402
        store.signOut();
        break;
      case 'error':
        store.showError(message.payload);
        break;
      case 'pong':
        break;
    }
  }
}
