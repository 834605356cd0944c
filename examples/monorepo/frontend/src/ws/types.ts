// Message types of the backend WebSocket (/ws/{userId}), written by hand — and drifting.

export type ServerMessageType =
  | 'thread_created'
  | 'thread_updated' // error: ISO403
  | 'agent_started'
  | 'agentCompleted' // error: ISO403
  | 'error'
  | 'pong';

export type ClientMessageType =
  | 'start_agent'
  | 'stop_agent'
  | 'user_message'
  | 'typing_indicator' // error: ISO401
  | 'ping';

export interface Thread {
  id: string;
  title?: string;
  last_message?: string;
}

export interface ServerMessage {
  type: ServerMessageType;
  payload?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

export interface ClientMessage {
  type: ClientMessageType;
  payload?: Record<string, unknown>;
}
