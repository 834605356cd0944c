// Client-side state. The reducer below switches on *action* types — Redux-style actions that
// never cross the WebSocket, so they are not part of the message contract.

export type ChatAction =
  | { type: 'threads/loaded'; threads: string[] }
  | { type: 'threads/cleared' };

export function chatReducer(state: { threads: string[] }, action: ChatAction) {
  switch (action.type) {
    case 'threads/loaded':
      return { ...state, threads: action.threads };
    case 'threads/cleared':
      return { ...state, threads: [] };
    default:
      return state;
  }
}

export const useChatStore = {
  getState() {
    return {
      addThread(_thread: unknown) {},
      updateThread(_thread: unknown) {},
      setRunning(_payload: unknown) {},
      setDone(_payload: unknown) {},
      showError(_payload: unknown) {},
      signOut() {},
    };
  },
};
