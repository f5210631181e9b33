// The browser's copy of the conversation, in sessionStorage: it survives a reload but
// not the end of the browsing session, which suits health questions on shared computers.
// Nothing is written until the person opens the chat (a strict reading of ePrivacy
// treats storage as needing their action), and "Delete this conversation" removes it.

const MAX_STORED_MESSAGES = 200;

export function emptyState(open) {
  return { v: 2, sender: '', messages: [], open: Boolean(open), started: false, contacts: {} };
}

export function createStore(key) {
  let memory = null; // when storage is blocked (private mode, sandboxed frames)
  let writable = false;

  function read() {
    let raw = null;
    try {
      raw = window.sessionStorage.getItem(key);
    } catch (error) {
      raw = memory;
    }
    try {
      const state = raw ? JSON.parse(raw) : null;
      if (state && state.v === 2 && typeof state.sender === 'string' && Array.isArray(state.messages)) {
        state.contacts = state.contacts && typeof state.contacts === 'object' ? state.contacts : {};
        writable = true; // written before, so the person had opened the chat
        return state;
      }
    } catch (error) {
      // a corrupt or older entry: start afresh
    }
    return null;
  }

  function write(state) {
    if (!writable) {
      return;
    }
    if (state.messages.length > MAX_STORED_MESSAGES) {
      state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    }
    const raw = JSON.stringify(state);
    try {
      window.sessionStorage.setItem(key, raw);
    } catch (error) {
      memory = raw;
    }
  }

  function clear() {
    memory = null;
    try {
      window.sessionStorage.removeItem(key);
    } catch (error) {
      // nothing stored
    }
  }

  // Called when the person opens the chat: from then on the conversation is kept.
  function allowWrites() {
    writable = true;
  }

  return { read: read, write: write, clear: clear, allowWrites: allowWrites };
}
